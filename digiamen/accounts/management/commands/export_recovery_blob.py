import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.accounts import recovery
from digiamen.accounts.models import Organisation
from digiamen.core import audit


class Command(BaseCommand):
    help = (
        "Write an organisation's key generations, as sealed to its recovery key, to a file to "
        "carry to an offline machine (see recover_organisation --from-file). Nothing in the "
        "file opens without the paper recovery key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--out", required=True, help="File to write (must not exist).")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        blob = recovery.export_blob(organisation)
        try:
            with Path(options["out"]).open("x", encoding="utf-8") as out:
                json.dump(blob, out, indent=1)
        except OSError as error:
            raise CommandError(f"Cannot write the file: {error.strerror}") from error
        audit.record("organisation.recovery_blob_exported", organisation=organisation)
        self.stdout.write(f"Wrote {len(blob['generations'])} key generation(s).")
