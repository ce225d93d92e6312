"""Demo data: two organisations in two countries, one member of every role in each.

Logins (with each member's authenticator secret) and API keys are written to
var/demo-credentials.json, which later features extend with their own keys.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts import actions
from digiamen.accounts.models import CASEWORK_ROLES, ApiKeyScope, Organisation, Role
from digiamen.alerts import demo as alerts_demo
from digiamen.awareness import demo as awareness_demo
from digiamen.channels import demo as channels_demo
from digiamen.consultations import demo as consultations_demo
from digiamen.core import encryption, writings
from digiamen.directory import demo as directory_demo
from digiamen.evidence import demo as evidence_demo
from digiamen.feedback import demo as feedback_demo
from digiamen.intake import demo as intake_demo
from digiamen.media import demo as media_demo
from digiamen.operations.tasks import sign_audit_head
from digiamen.referrals import demo as referrals_demo
from digiamen.safeguarding import demo as safeguarding_demo
from digiamen.training import demo as training_demo

DEMO_ORGANISATIONS: list[dict[str, Any]] = [
    {
        "slug": "amane-demo",
        "name": "Amane (demo)",
        "country": "MA",
        "languages": ["ar", "fr"],
        "admin1_areas": ["MA-04", "MA-06"],
        "prefix": "ma",
    },
    {
        "slug": "jordan-helpline-demo",
        "name": "Jordan Child Helpline (demo)",
        "country": "JO",
        "languages": ["ar", "en"],
        "admin1_areas": ["JO-AM", "JO-IR"],
        "prefix": "jo",
    },
]


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.json"


def demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = "Load the demo organisations and members (demo mode only; skipped if loaded)."
    # No system checks: `make run` has just migrated, which ran them, and each run of the
    # checks loads every URLconf (a second of every start).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-if-loaded", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production mode.")
        path = credentials_path()
        if Organisation.objects.filter(slug=DEMO_ORGANISATIONS[0]["slug"]).exists():
            if not path.exists():
                raise CommandError(
                    "Demo data is loaded but var/demo-credentials.json is gone; run "
                    "'make reset' to start again."
                )
            if not options["quiet_if_loaded"]:
                self.stdout.write("Demo data already loaded.")
            return
        credentials = self._load()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials, indent=2, ensure_ascii=False), encoding="utf-8")
        path.chmod(0o600)
        self.stdout.write(f"Demo data loaded; logins written to {path}.")

    @transaction.atomic
    def _load(self) -> dict[str, Any]:
        users: list[dict[str, str]] = []
        keyrings: list[encryption.KeyRing] = []
        created_organisations: list[Organisation] = []
        api_keys: list[dict[str, str]] = []
        organisations: list[dict[str, str]] = []
        for spec in DEMO_ORGANISATIONS:
            created = actions.create_organisation(
                slug=spec["slug"],
                name=spec["name"],
                country=spec["country"],
                languages=spec["languages"],
                admin1_areas=spec["admin1_areas"],
            )
            organisation = created.organisation
            created_organisations.append(organisation)
            organisations.append(
                {
                    "slug": organisation.slug,
                    "name": organisation.name,
                    "country": organisation.country,
                    "recovery_key": created.recovery_key,
                    "recovery_checksum": created.recovery_checksum,
                }
            )
            # The first casework member starts the casework key and shares it with the next.
            holder: encryption.KeyRing | None = None
            for role in Role.values:
                username = f"{spec['prefix']}-{role.replace('_', '-')}"
                password = demo_password()
                user, user_key = actions.create_user(username, password)
                actions.add_member(organisation, created.private_key, user, role, keyring=holder)
                keyrings.append(encryption.KeyRing(user=user, private_key=user_key))
                if holder is None and role in CASEWORK_ROLES:
                    holder = encryption.KeyRing(user=user, private_key=user_key)
                secret = secrets.token_bytes(20)
                TOTPDevice.objects.create(
                    user=user, name="demo authenticator", key=secret.hex(), confirmed=True
                )
                users.append(
                    {
                        "username": username,
                        "password": password,
                        "totp_secret": base64.b32encode(secret).decode("ascii"),
                        "role": role,
                        "organisation": organisation.slug,
                        "country": organisation.country,
                    }
                )
            for scope in ApiKeyScope.values:
                key = actions.issue_api_key(organisation, scope, label="demo", actor=None)
                api_keys.append({"key": key, "role": scope, "organisation": organisation.slug})
        # What the demo members write (timelines, notes) is signed by them, as on the pages.
        with writings.acting_as(*keyrings):
            loaded = {
                "users": users,
                "api_keys": api_keys,
                "organisations": organisations,
                **intake_demo.load(created_organisations),
                **directory_demo.load(created_organisations),
                **referrals_demo.load(created_organisations),
                **feedback_demo.load(created_organisations),
                # Before the history: some past reports came through the campaigns.
                **awareness_demo.load(created_organisations),
                **evidence_demo.load(created_organisations),
                # Before the self-assessment, which reads who is trained.
                **training_demo.load(created_organisations),
                **safeguarding_demo.load(created_organisations),
                **consultations_demo.load(created_organisations),
                **media_demo.load(created_organisations),
                **channels_demo.load(created_organisations),
                **alerts_demo.load(created_organisations),
            }
        # The audit head signed once, as every hour: the admins find its fingerprint among
        # their alerts.
        sign_audit_head.call_local()
        return loaded
