import base64
import binascii
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.operations import witness


class Command(BaseCommand):
    help = (
        "Witness audit heads with the trusted peer instances of this instance's networks: "
        "'statement' writes this instance's signed head for the peers; 'witness FILE' (at a "
        "peer) keeps a peer's head and writes the receipt; 'receipt FILE' stores a receipt "
        "here; 'heads KEY' (at a peer) writes the heads it witnessed for the instance whose "
        "public key is KEY (base64), for `verify_audit --witness-file`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["statement", "witness", "receipt", "heads"])
        parser.add_argument("argument", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        step, argument = options["step"], options["argument"]
        try:
            if step == "statement":
                self._out(witness.statement())
            elif step == "witness":
                self._out(witness.witness(self._read(argument)))
            elif step == "receipt":
                stored = witness.store_receipt(self._read(argument))
                self.stdout.write(
                    f"Receipt stored: head {stored.checkpoint.last_event_id} "
                    f"witnessed by {stored.peer_name}."
                )
            else:
                self._out(witness.heads_for(self._key(argument)))
        except witness.WitnessError as error:
            witness.refused(error, step)
            raise CommandError(str(error)) from None

    def _read(self, name: str) -> bytes:
        if not name:
            raise CommandError("Name the file.")
        try:
            return Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"{name}: {error.strerror}") from None

    def _key(self, text: str) -> bytes:
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            raise CommandError("A public key is 32 bytes written in base64.")
        return key

    def _out(self, data: bytes) -> None:
        self.stdout.flush()
        sys.stdout.write(data.decode("ascii"))
