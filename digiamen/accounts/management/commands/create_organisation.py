from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import override

from digiamen.accounts import actions
from digiamen.accounts.models import Organisation, Role


class Command(BaseCommand):
    help = (
        "Create an organisation, print its recovery key once, and print a one-time invitation "
        "link for its first admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="Do nothing if any organisation exists (for the installer, run again).",
        )
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. MA")
        parser.add_argument("--languages", default="ar,fr,en")
        parser.add_argument(
            "--base-url", default="https://" + (settings.ALLOWED_HOSTS or ["localhost"])[0]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_none"] and Organisation.objects.exists():
            self.stdout.write("An organisation exists already: none created.")
            return
        if Organisation.objects.filter(slug=options["slug"]).exists():
            raise CommandError("An organisation with this slug exists already.")
        try:
            created = actions.create_organisation(
                slug=options["slug"],
                name=options["name"],
                country=options["country"],
                languages=[
                    code.strip() for code in options["languages"].split(",") if code.strip()
                ],
            )
        except Exception as error:  # validation errors of the organisation's fields
            raise CommandError(str(error)) from error
        issued = actions.invite(
            created.organisation,
            Role.ORG_ADMIN,
            actor=None,
            bootstrap_key=created.private_key,
        )
        with override("en"):
            path = reverse("accounts:accept_invitation", args=[issued.token])
        self.stdout.write(
            "RECOVERY KEY (print it, keep it offline; it is not stored and will not "
            "be shown again):"
        )
        self.stdout.write(f"    {created.recovery_key}")
        self.stdout.write(
            "Check group (write it beside the key; an admin types it on the recovery key page "
            f"to confirm the paper is kept): {created.recovery_checksum}"
        )
        self.stdout.write("First admin's invitation link (one use):")
        self.stdout.write(f"    {options['base_url'].rstrip('/')}{path}")
