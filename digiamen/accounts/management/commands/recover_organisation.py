import getpass
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import override

from digiamen.accounts import actions, recovery
from digiamen.accounts.models import Organisation, Role
from digiamen.core import audit, crypto, encryption

PROMPT = "Recovery key (not shown as you type): "


def read_recovery_key() -> str:
    # getpass: the key is never echoed to the screen, the terminal's scrollback or a log.
    try:
        return getpass.getpass(PROMPT)
    except (EOFError, KeyboardInterrupt) as error:
        raise CommandError("No recovery key given.") from error


def _read_file(path: str, expected_format: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError("Cannot read the file.") from error
    try:
        return recovery.load(text, expected_format)
    except recovery.RecoveryFileError as error:
        raise CommandError(f"That file cannot be used: {error}.") from error


class Command(BaseCommand):
    help = (
        "When no admin can sign in any more: use the organisation's offline recovery key "
        "(read without echo) to issue a new admin invitation. On the server: --slug X. "
        "Offline: export_recovery_blob on the server, then --from-file BLOB --out FILE on the "
        "offline machine, then --import FILE on the server."
    )
    # The offline machine has the code but no database: checks that may query one are skipped.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", help="On the server: recover this organisation directly.")
        parser.add_argument("--from-file", help="Offline: a file from export_recovery_blob.")
        parser.add_argument("--out", help="Offline: where to write the sealed invitation.")
        parser.add_argument("--import", dest="import_file", help="On the server: that file.")
        parser.add_argument(
            "--base-url", default="https://" + (settings.ALLOWED_HOSTS or ["localhost"])[0]
        )

    def _link(self, base_url: str, token: str) -> str:
        with override("en"):
            path = reverse("accounts:accept_invitation", args=[token])
        return f"{base_url.rstrip('/')}{path}"

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = [name for name in ("slug", "from_file", "import_file") if options[name]]
        if len(chosen) != 1:
            raise CommandError("Give exactly one of --slug, --from-file or --import.")
        if options["from_file"]:
            self._offline(options)
        elif options["import_file"]:
            self._import(options)
        else:
            self._online(options)

    def _online(self, options: dict[str, Any]) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        text = read_recovery_key()
        try:
            private_key = encryption.recover_organisation_key(organisation, text)
        except crypto.DecryptionError as error:
            raise CommandError("That is not this organisation's recovery key.") from error
        with transaction.atomic():
            audit.record("organisation.recovery_key_used", organisation=organisation)
            issued = actions.invite(
                organisation, Role.ORG_ADMIN, actor=None, bootstrap_key=private_key
            )
        self.stdout.write("New admin invitation link (one use):")
        self.stdout.write(f"    {self._link(options['base_url'], issued.token)}")

    def _offline(self, options: dict[str, Any]) -> None:
        # No database here: this may run on a machine that was never connected.
        if not options["out"]:
            raise CommandError("--from-file needs --out FILE.")
        blob = _read_file(options["from_file"], recovery.BLOB_FORMAT)
        text = read_recovery_key()
        try:
            offline = recovery.invitation_from_blob(blob, text)
        except recovery.RecoveryFileError as error:
            raise CommandError(f"Recovery refused: {error}.") from error
        try:
            with Path(options["out"]).open("x", encoding="utf-8") as out:
                json.dump(offline.data, out, indent=1)
        except OSError as error:
            raise CommandError(f"Cannot write the file: {error.strerror}") from error
        self.stdout.write(
            "Carry the file back to the server and run recover_organisation --import FILE. "
            "Then open this admin invitation link (one use; copy it by hand, it is in no file):"
        )
        self.stdout.write(f"    {self._link(options['base_url'], offline.token)}")

    def _import(self, options: dict[str, Any]) -> None:
        data = _read_file(options["import_file"], recovery.INVITATION_FORMAT)
        try:
            parsed = recovery.parse_invitation(data)
        except recovery.RecoveryFileError as error:
            raise CommandError(f"That file cannot be used: {error}.") from error
        organisation = Organisation.objects.filter(slug=parsed.slug).first()
        if organisation is None:
            raise CommandError("No such organisation.")
        try:
            actions.import_recovery_invitation(
                organisation,
                organisation_public_key=parsed.organisation_public_key,
                token_hash=parsed.token_hash,
                invitation_public_key=parsed.invitation_public_key,
                sealed_organisation_key=parsed.sealed_organisation_key,
            )
        except (actions.ActionError, encryption.AccessDenied) as error:
            raise CommandError(
                "The organisation's key changed since the export: export and recover again."
            ) from error
        except IntegrityError as error:  # a token hash already used (unique)
            raise CommandError("This invitation was imported already.") from error
        self.stdout.write("Imported: the admin invitation link shown offline can now be used.")
