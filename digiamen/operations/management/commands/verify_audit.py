from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiamen.core.audit import verify_chain
from digiamen.core.models import AuditChainHead, AuditEvent
from digiamen.operations import witness


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain and report the first row where it breaks; with "
        "--witnesses, also compare it with every head signed here or witnessed by a peer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--witnesses",
            action="store_true",
            help="Check the chain against the signed checkpoints and the peers' receipts.",
        )
        parser.add_argument(
            "--witness-file",
            action="append",
            default=[],
            help="A file of heads a peer witnessed (manage.py audit_witness heads), repeatable.",
        )

        parser.add_argument(
            "--fingerprint",
            action="append",
            default=[],
            help="A head's fingerprint as an admin's alert gave it (EVENT:CODE), repeatable.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            where = f"row {broken.event_id}" if broken.event_id is not None else "the chain head"
            raise CommandError(f"Audit chain broken at {where}: {broken.reason}.")
        head = AuditChainHead.objects.filter(pk=1).first()
        witnessed = 0
        if options["witnesses"] or options["witness_file"] or options["fingerprint"]:
            heads = (
                witness.heads_kept_here() if options["witnesses"] or options["witness_file"] else []
            )
            for text in options["fingerprint"]:
                try:
                    heads.append(witness.head_from_fingerprint(text))
                except witness.WitnessError as error:
                    raise CommandError(f"{text}: {error}") from None
            for name in options["witness_file"]:
                try:
                    heads += witness.heads_in_file(Path(name).read_bytes())
                except OSError as error:
                    raise CommandError(f"{name}: {error.strerror}") from None
                except witness.WitnessError as error:
                    witness.refused(error, "heads")
                    raise CommandError(f"{name}: {error}") from None
            found = witness.first_contradiction(heads)
            if found is not None:
                contradicted, how = found
                raise CommandError(
                    f"Audit chain broken at row {contradicted.event_id}: it is {how} since "
                    f"the head signed by {contradicted.source}; the chain up to it was "
                    "rewritten and its hashes recomputed."
                )
            witnessed = len(heads)
        self.stdout.write(
            f"Audit chain intact: {AuditEvent.objects.count()} rows, "
            f"head {head.last_hash if head else '-'}"
            + (f", matching {witnessed} signed or witnessed heads." if witnessed else ".")
        )
