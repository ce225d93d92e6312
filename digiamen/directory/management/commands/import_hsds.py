"""Import an HSDS 3.0 JSON document or tabular data package; all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.directory import hsds_import
from digiamen.directory.views_exchange import import_file


class Command(BaseCommand):
    help = "Import an HSDS 3.0 file (.json or a .zip data package); nothing is written on error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > hsds_import.MAX_FILE_BYTES:
            raise CommandError(hsds_import.too_big_message())
        try:
            summary = import_file(path.read_bytes(), membership=None)
        except hsds_import.HsdsImportError as error:
            for problem in error.problems:
                self.stderr.write(f"{problem.row or 'file'}: {problem.field}: {problem.why}")
            raise CommandError("Nothing was imported.") from error
        self.stdout.write(
            f"Imported {summary.organisations} organisations, {summary.locations} locations "
            f"and {summary.services} services."
        )
