"""Import area outlines from a GeoJSON file (COD-AB with P-codes, or keyed by ISO 3166-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.directory import boundaries


class Command(BaseCommand):
    help = "Import admin-1 outlines from a GeoJSON file; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", default="", help="where the file comes from")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > boundaries.MAX_BYTES:
            raise CommandError("The file is too large.")
        try:
            result = boundaries.import_boundaries(
                path.read_bytes(), actor=None, source=options["source"] or path.name
            )
        except boundaries.BoundaryImportError as error:
            for problem in error.problems:
                where = "file" if problem.feature is None else f"feature {problem.feature}"
                self.stderr.write(f"{where}: {problem.why}")
            raise CommandError("Nothing was imported.") from error
        self.stdout.write(f"Imported outlines for {len(result.imported)} areas.")
