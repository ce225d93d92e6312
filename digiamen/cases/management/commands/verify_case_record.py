from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.cases import case_record
from digiamen.core import crypto


class Command(BaseCommand):
    help = (
        "Check a signed case record (the case file's JSON twin) offline: its signature, the "
        "instance that signed it, and each audit log row against its hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--private-key-file",
            help="For a sealed record: the recipient's private key (32 bytes in base64).",
        )
        parser.add_argument(
            "--instance-key", help="The signing instance's public key (base64), to compare."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["file"]).read_bytes()
            private_key = None
            if options["private_key_file"]:
                text = Path(options["private_key_file"]).read_text(encoding="ascii")
                private_key = crypto.key_from_text(text)
                if private_key is None:
                    raise CommandError("A private key is 32 bytes written in base64.")
            expected = (
                case_record.parse_public_key(options["instance_key"])
                if options["instance_key"]
                else None
            )
            verdict = case_record.verify(data, private_key=private_key, expected_key=expected)
        except OSError as error:
            raise CommandError(f"{error.filename}: {error.strerror}") from None
        except (UnicodeDecodeError, case_record.RecordError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Case {verdict.case} of {verdict.organisation}:")
        for check, ok in verdict.checks:
            self.stdout.write(f"  [{'ok' if ok else 'FAILED'}] {check}")
        if not verdict.intact:
            raise CommandError("The record is not intact.")
        self.stdout.write("The record is intact.")
