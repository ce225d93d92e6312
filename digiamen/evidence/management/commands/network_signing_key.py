import base64
import os
from pathlib import Path
from typing import Any

import nacl.signing
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.evidence.network import legacy_signing_seed


class Command(BaseCommand):
    help = (
        "Write this instance's key for signing network aggregate files to FILE (mode 0600), "
        "then point NETWORK_SIGNING_KEY_FILE at it. Prints the public key to give to the "
        "coordinators of the other instances."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the key (it must not exist yet).")
        parser.add_argument(
            "--keep-derived",
            action="store_true",
            help="Upgrading only: store the key earlier versions derived from SECRET_KEY, so "
            "other instances keep trusting this one; make a new key later and send its "
            "public key (until then whoever has SECRET_KEY can sign files as this instance).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        seed = legacy_signing_seed() if options["keep_derived"] else os.urandom(32)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise CommandError(f"{path} already exists; nothing changed.") from error
        except OSError as error:
            raise CommandError(f"{path} cannot be written: {error.strerror}.") from error
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(base64.b64encode(seed).decode("ascii") + "\n")
        public = bytes(nacl.signing.SigningKey(seed).verify_key)
        self.stdout.write(f"Network signing key written to {path}.")
        self.stdout.write(f"Public key: {base64.b64encode(public).decode('ascii')}")
