"""The tamper-evident audit log.

Every row's hash covers its own fields and the previous row's hash, so editing or deleting
any row breaks the chain from that row on; the chain head (last id and hash) catches a
deleted tail. ``python manage.py verify_audit`` walks the chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
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


# Events recorded inside ``batched()``, appended together when the block ends.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("audit_pending", default=None)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Append the events recorded inside the block together, in order, when it ends (also
    when it raises: what was opened stays audited). A page that opens several kinds of
    protected data (the case page: the report, its messages, the notes) then takes the
    chain's lock once and writes its events in four statements instead of four per event.
    Only for reads audited before a page is shown: nothing inside may depend on the event
    being stored already."""
    if _pending.get() is not None:
        yield  # nested: the outer block appends
        return
    pending: list[AuditEvent] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        if pending:
            _append(pending)


def record(
    action: str,
    *,
    actor: Any = None,
    organisation: Any = None,
    obj: Any = None,
    details: dict[str, str | int | bool | None] | None = None,
) -> AuditEvent:
    """Append one event (inside ``batched()``, when the block ends). ``details`` must never
    carry protected content."""
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
        previous_hash="",
        row_hash="",
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event


def _append(events: list[AuditEvent]) -> None:
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        if len(events) == 1 or not connection.features.can_return_rows_from_bulk_insert:
            for event in events:
                event.previous_hash = head.last_hash
                event.save()
                # The id is part of the hash so that rows cannot be swapped; it exists only now.
                event.row_hash = _row_digest(event)
                AuditEvent.objects.filter(pk=event.pk).update(row_hash=event.row_hash)
                head.last_event_id, head.last_hash = event.pk, event.row_hash
        else:
            # Inserted together (ids in order, under the chain's lock), then chained: each
            # hash covers its id, known only after the insert.
            AuditEvent.objects.bulk_create(events)
            events.sort(key=lambda event: event.pk)  # the chain follows the ids
            for event in events:
                event.previous_hash = head.last_hash
                event.row_hash = _row_digest(event)
                head.last_event_id, head.last_hash = event.pk, event.row_hash
            AuditEvent.objects.bulk_update(events, ["previous_hash", "row_hash"])
        head.save(update_fields=["last_event_id", "last_hash"])


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
