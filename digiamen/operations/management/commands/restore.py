import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.operations.backups import (
    BackupError,
    BackupUnreadable,
    Target,
    parse_private_key,
    restore,
    scratch_target,
)


class Command(BaseCommand):
    help = (
        "Restore an encrypted backup into this instance's database, which must be empty; "
        "with --check, into a scratch database that is then dropped (a full drill). The "
        "backup private key is read from --private-key-file or typed in, never from the "
        "command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--private-key-file", type=Path, default=None, help="A file holding the private key."
        )
        parser.add_argument(
            "--check", action="store_true", help="Restore into a scratch database, not this one."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        key_file = options["private_key_file"]
        if key_file is not None:
            text = key_file.read_text(encoding="utf-8")
        elif sys.stdin.isatty():
            text = getpass.getpass("Backup private key: ")
        else:
            text = sys.stdin.readline()
        try:
            private_key = parse_private_key(text)
            if options["check"]:
                with scratch_target() as scratch:
                    restored = restore(lambda: path.open("rb"), private_key, scratch)
            else:
                restored = restore(lambda: path.open("rb"), private_key, Target.default())
        except (BackupError, BackupUnreadable) as error:
            raise CommandError(f"{error} Nothing was changed.") from None
        manifest = restored.manifest
        where = "a scratch database (dropped)" if options["check"] else "this database"
        self.stdout.write(
            f"Restored into {where}: backup of {manifest['created_at']} (version "
            f"{manifest['version']}), {restored.tables} tables, {restored.rows:,} rows; row "
            "counts and the audit chain head match the manifest."
        )
