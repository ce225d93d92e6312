from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.accounts import casework_keys
from digiamen.accounts.management.commands.recover_organisation import read_recovery_key
from digiamen.accounts.models import Organisation, User
from digiamen.core import crypto, encryption


class Command(BaseCommand):
    help = (
        "When no caseworker or supervisor holding the case key is left: use the organisation's "
        "offline recovery key (read without echo) to give a confirmed caseworker or supervisor "
        "every generation of the case key (and a supervisor the supervision key), so that "
        "cases sealed before open again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="The organisation.")
        parser.add_argument("--member", required=True, help="The username to give the keys.")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        user = User.objects.filter(username=options["member"]).first()
        if user is None:
            raise CommandError("No such member.")
        text = read_recovery_key()
        try:
            granted = casework_keys.grant_recovered_keys(organisation, user, text)
        except crypto.DecryptionError as error:
            raise CommandError("That is not this organisation's recovery key.") from error
        except encryption.AccessDenied as error:
            raise CommandError(
                "That member is not a confirmed caseworker or supervisor of this organisation."
            ) from error
        self.stdout.write(f"Done: {granted} key generations given to {user.username}.")
