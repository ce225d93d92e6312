"""The tamper-evident audit log.

Every row's hash covers its own fields and the previous row's hash, so editing or deleting
any row breaks the chain from that row on; the chain head (last id and hash) catches a
deleted tail. ``python manage.py verify_audit`` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from digiamen.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _row_digest(event: AuditEvent) -> str:
    payload = {
        "id": event.pk,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "previous_hash": event.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def record(
    action: str,
    *,
    actor: Any = None,
    organisation: Any = None,
    obj: Any = None,
    details: dict[str, str | int | bool | None] | None = None,
) -> AuditEvent:
    """Append one event. ``details`` must never carry protected content."""
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        user = actor if actor is not None and getattr(actor, "pk", None) else None
        event = AuditEvent(
            created_at=timezone.now(),
            actor_id=user.pk if user else None,
            actor_username=user.get_username() if user else "",
            organisation_id=getattr(organisation, "pk", organisation),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            details=details or {},
            previous_hash=head.last_hash,
            row_hash="",
        )
        event.save()
        # The id is part of the hash so that rows cannot be swapped; it exists only now.
        row_hash = _row_digest(event)
        AuditEvent.objects.filter(pk=event.pk).update(row_hash=row_hash)
        event.row_hash = row_hash
        head.last_event_id = event.pk
        head.last_hash = row_hash
        head.save(update_fields=["last_event_id", "last_hash"])
        return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain() -> ChainBreak | None:
    """The first place where the chain breaks, or None when it is whole."""
    previous = GENESIS_HASH
    last_id = 0
    for event in _events():
        if event.previous_hash != previous:
            return ChainBreak(
                event.pk, "previous hash does not match: a row before was changed or deleted"
            )
        if _row_digest(event) != event.row_hash:
            return ChainBreak(event.pk, "row content does not match its hash: the row was edited")
        previous = event.row_hash
        last_id = event.pk
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return None if last_id == 0 else ChainBreak(None, "the chain head is missing")
    if head.last_event_id != last_id or head.last_hash != previous:
        return ChainBreak(head.last_event_id, "rows after the last present one were deleted")
    return None
