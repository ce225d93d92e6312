"""Called by the operator's backup job after a successful backup (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from digiamen.safeguarding.models import BackupRun


class Command(BaseCommand):
    help = "Record that a backup has just completed (the safeguarding check-up reads it)."

    def handle(self, *args: Any, **options: Any) -> None:
        run = BackupRun.objects.create()
        self.stdout.write(f"Backup recorded at {run.ran_at:%Y-%m-%d %H:%M} UTC.")
