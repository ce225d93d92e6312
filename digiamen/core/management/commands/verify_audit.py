from typing import Any

from django.core.management.base import BaseCommand, CommandError

from digiamen.core.audit import verify_chain
from digiamen.core.models import AuditChainHead, AuditEvent


class Command(BaseCommand):
    help = "Walk the audit log's hash chain and report the first row where it breaks."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            where = f"row {broken.event_id}" if broken.event_id is not None else "the chain head"
            raise CommandError(f"Audit chain broken at {where}: {broken.reason}.")
        head = AuditChainHead.objects.filter(pk=1).first()
        self.stdout.write(
            f"Audit chain intact: {AuditEvent.objects.count()} rows, "
            f"head {head.last_hash if head else '-'}."
        )
