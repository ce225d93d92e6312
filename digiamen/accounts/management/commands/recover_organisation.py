import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import override

from digiamen.accounts import actions
from digiamen.accounts.models import Organisation, Role
from digiamen.core import audit, crypto, encryption


class Command(BaseCommand):
    help = (
        "Use an organisation's offline recovery key (read from standard input) to issue a new "
        "admin invitation, when no admin can sign in any more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument(
            "--base-url", default="https://" + (settings.ALLOWED_HOSTS or ["localhost"])[0]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        self.stderr.write("Type or paste the recovery key, then press Enter:")
        text = sys.stdin.readline()
        try:
            private_key = encryption.recover_organisation_key(organisation, text)
        except crypto.DecryptionError as error:
            raise CommandError("That is not this organisation's recovery key.") from error
        audit.record("organisation.recovery_key_used", organisation=organisation)
        issued = actions.invite(organisation, Role.ORG_ADMIN, actor=None, bootstrap_key=private_key)
        with override("en"):
            path = reverse("accounts:accept_invitation", args=[issued.token])
        self.stdout.write("New admin invitation link (one use):")
        self.stdout.write(f"    {options['base_url'].rstrip('/')}{path}")
