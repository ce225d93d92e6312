from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.operations.actions import record_backup_run
from digiamen.operations.backups import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the database (a consistent dump and its manifest) to "
        "the backup folder and keep the newest ones; with --drill, also restore it into a "
        "scratch database, compare, and record the backup for the safeguarding check-up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None, help="Folder for the backups.")
        parser.add_argument("--keep", type=int, default=None, help="How many backups to keep.")
        parser.add_argument("--drill", action="store_true", help="Restore and compare.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = options["output"] or Path(settings.BACKUP_DIR)
        keep = options["keep"] if options["keep"] is not None else settings.BACKUP_KEEP
        try:
            made = make_backup(folder, keep=keep, drill=options["drill"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = made.manifest["row_counts"]
        self.stdout.write(
            f"Backup written: {made.path} ({made.size:,} bytes; {len(counts)} tables, "
            f"{sum(counts.values()):,} rows, encrypted to the backup public key)."
        )
        if made.drilled:
            record_backup_run()
            self.stdout.write(
                "Drill passed: restored into a scratch database, rows and audit head match."
            )
        for old in made.removed:
            self.stdout.write(f"Removed old backup {old.name} (keeping {keep}).")
