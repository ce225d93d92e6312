"""Periodic jobs of the front door."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.intake.models import Draft, FollowupSession


@db_periodic_task(crontab(minute="*/10"))
def purge_drafts_and_visits() -> dict[str, int]:
    """Abandoned drafts (unreadable anyway) and ended follow-up visits are deleted.

    Tombstones of sent drafts stay a day, so a replayed last step is recognised.
    """
    now = timezone.now()
    abandoned, _ = Draft.objects.filter(submitted_at__isnull=True, expires_at__lt=now).delete()
    tombstones, _ = Draft.objects.filter(submitted_at__lt=now - timedelta(days=1)).delete()
    visits, _ = FollowupSession.objects.filter(expires_at__lt=now).delete()
    return {"drafts": abandoned, "tombstones": tombstones, "visits": visits}
