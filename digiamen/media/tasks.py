"""Periodic jobs of the media app."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.media.models import BankChange

# Processes read changes forward within seconds; a day is ample for any of them to have
# caught up (a process started later loads the entries themselves, not the changes).
CHANGES_KEPT = timedelta(days=1)


@db_periodic_task(crontab(minute="17"))
def prune_bank_changes() -> int:
    deleted, _ = BankChange.objects.filter(created_at__lt=timezone.now() - CHANGES_KEPT).delete()
    return deleted
