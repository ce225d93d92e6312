from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.operations.upgrade import UpgradeFailed, upgrade


class Command(BaseCommand):
    help = (
        "After installing a new version: make a backup (with its drill), apply the "
        "migrations, run the deployment checks. If a migration fails, the schema is put "
        "back as it was and the command says so."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-backup",
            action="store_true",
            help="Skip the backup (refused in production: a failed upgrade needs one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["no_backup"] and settings.PRODUCTION:
            raise CommandError("In production an upgrade always starts with a backup.")
        try:
            upgrade(with_backup=not options["no_backup"], say=self.stdout.write)
        except UpgradeFailed as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Upgrade complete.")
