import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.operations.management.commands.load_demo import credentials_path


class Command(BaseCommand):
    help = "Print the current authenticator code of a demo member (demo mode only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Only in demo mode.")
        users = {u["username"]: u for u in json.loads(credentials_path().read_text())["users"]}
        if options["username"] not in users:
            raise CommandError("Not a demo member.")
        device = TOTPDevice.objects.get(user__username=options["username"], confirmed=True)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():06d}")
