"""Write the public directory as HSDS 3.0 JSON or as a tabular data package (zip)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digiamen.directory import hsds, tabular


class Command(BaseCommand):
    help = "Export the directory as HSDS 3.0 (JSON, or a CSV data package with --datapackage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--datapackage", action="store_true", help="write a zip of CSV tables instead of JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        data = tabular.export_package() if options["datapackage"] else hsds.export_json()
        path.write_bytes(data)
        self.stdout.write(f"Wrote {len(data)} bytes to {path}.")
