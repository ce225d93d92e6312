"""Periodic jobs of the media app."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from digiamen.media import snapshots
from digiamen.media.models import BankChange

# Processes read changes forward within seconds; a day is ample for any of them to have
# caught up (a process started later loads the entries themselves, not the changes).
CHANGES_KEPT = timedelta(days=1)


@db_periodic_task(crontab(minute="17"))
def prune_bank_changes() -> int:
    # The newest change stays: it names the state the shared snapshot was built from.
    newest = BankChange.objects.order_by("-id").values_list("id", flat=True).first()
    old = BankChange.objects.filter(created_at__lt=timezone.now() - CHANGES_KEPT)
    if newest is not None:
        old = old.exclude(pk=newest)
    deleted, _ = old.delete()
    return deleted


@db_periodic_task(crontab(minute="*/5"))
def refresh_match_snapshot() -> str | None:
    """A new shared snapshot when the banks changed since the current one: processes move
    to it within seconds and their private fresh areas empty again."""
    if not settings.MATCH_INDEX_SHARED or not snapshots.is_stale():
        return None
    return snapshots.build()


@on_startup()
def snapshot_at_start() -> None:
    close_old_connections()
    refresh_match_snapshot.call_local()
    close_old_connections()
