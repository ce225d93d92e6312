from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.accounts import actions
from digiamen.accounts.management.commands.recover_organisation import read_recovery_key
from digiamen.accounts.models import Organisation


class Command(BaseCommand):
    help = (
        "Replace an organisation's recovery key: reads the old one (without echo), seals every "
        "key generation to a new one, prints the new key and its check group once. The old "
        "key opens nothing afterwards. (An org admin can do the same on the recovery key page.)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        old = read_recovery_key()
        try:
            new_key = actions.rotate_recovery_key(organisation, actor=None, old_recovery_key=old)
        except actions.ActionError as error:
            raise CommandError("That is not this organisation's recovery key.") from error
        self.stdout.write(
            "NEW RECOVERY KEY (print it, keep it offline; it is not stored and will not "
            "be shown again; the old one no longer opens anything):"
        )
        self.stdout.write(f"    {new_key.recovery_key}")
        self.stdout.write(
            f"Check group (type it on the recovery key page to confirm): {new_key.checksum}"
        )
