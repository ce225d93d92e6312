import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from digiamen.operations.management.commands.load_demo import credentials_path


class Command(BaseCommand):
    help = "Print the demo address and logins (demo mode)."
    # No system checks: it only reads var/demo-credentials.json, and each run of the checks
    # loads every URLconf (a second of every start).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads(credentials_path().read_text(encoding="utf-8"))
        port = options["port"]
        self.stdout.write("")
        self.stdout.write(
            f"Digi-Amen (demo) is at http://127.0.0.1:{port}/  "
            f"(staff sign-in: http://127.0.0.1:{port}/en/staff/login/)"
        )
        self.stdout.write("Demo logins (all in var/demo-credentials.json):")
        for user in data["users"]:
            self.stdout.write(
                f"  {user['organisation']:<22} {user['role']:<20} "
                f"{user['username']:<24} {user['password']}"
            )
        self.stdout.write("Two-step codes: .venv/bin/python manage.py demo_totp <username>")
        for gateway in data.get("gateways", []):
            self.stdout.write(
                f"SMS gateway: POST http://127.0.0.1:{port}/channels/{gateway['id']}/sms "
                f"(from, text) with 'Authorization: Token {gateway['secret']}'"
            )
        for worker in data.get("field_workers", []):
            self.stdout.write(
                f"ODK Collect: server http://127.0.0.1:{port}/  user {worker['username']}  "
                f"password {worker['password']}"
            )
        for consultation in data.get("consultations", []):
            code = consultation["code"]
            self.stdout.write(
                f"Children's consultation: http://127.0.0.1:{port}/en/consultations/{code}/ "
                f"(or the keyword {code} by SMS, or its form in ODK Collect)"
            )
        self.stdout.write("")
