"""State changes of the operations app."""

from __future__ import annotations

from django.utils import timezone

from digiamen.operations.models import Heartbeat
from digiamen.safeguarding.models import BackupRun


def record_backup_run() -> BackupRun:
    """A verified backup: the safeguarding check-up reads the newest."""
    return BackupRun.objects.create()


def record_heartbeat(name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})
