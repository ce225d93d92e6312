"""The tamper-evident audit log.

Every row's hash covers its own fields and the previous row's hash, so editing or deleting
any row breaks the chain from that row on; the chain head (last id and hash) catches a
deleted tail. ``python manage.py verify_audit`` walks the chain. The head follows the
inserted rows by a database trigger (migration core 0006_audit_head_follows_inserts).
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


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    """What a row's hash covers (also what a case record carries of each row)."""
    return {
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


def row_digest(event: AuditEvent) -> str:
    canonical = json.dumps(
        hashed_fields(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# Events recorded inside ``batched()``, appended together when the block ends.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("audit_pending", default=None)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Append the events recorded inside the block together, in order, when it ends (also
    when it raises: what was opened stays audited). A page that opens several kinds of
    protected data (the case page: the report, its messages, the notes) then takes the
    chain's lock once and writes its events in two statements instead of two per event.
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
    """Two statements however many events: lock the head and learn the new rows' ids, then
    insert the rows already chained. A trigger (migration core 0006) moves the head to the
    newest row inserted, in the same statement as the insert.

    No savepoint of its own inside a caller's transaction (two statements fewer per event
    written with a change): a failure here fails the caller's whole change, as it must."""
    with transaction.atomic(savepoint=False):
        locked = _lock_head(len(events))
        if locked is None:  # the first event ever: make the head, then lock it
            AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            locked = _lock_head(len(events))
            assert locked is not None  # noqa: S101  (created just now, in this transaction)
        previous, ids = locked
        # The id is part of the hash so that rows cannot be swapped: chosen before the insert.
        for event, event_id in zip(events, ids, strict=True):
            event.pk = event_id
            event.previous_hash = previous
            event.row_hash = previous = row_digest(event)
        AuditEvent.objects.bulk_create(events)


def _lock_head(count: int) -> tuple[str, list[int]] | None:
    """Lock the chain head (until the transaction ends) and return its hash and the ids of
    the next ``count`` rows, in one statement; None when there is no head yet.

    The UPDATE changes nothing but takes the lock: the head's row on PostgreSQL (concurrent
    appends wait here), the whole database on SQLite (IMMEDIATE transactions, one writer at
    a time). The ids are chosen after the wait, above the newest row and the head, so they
    follow the chain's order; on PostgreSQL they are taken from the table's own sequence,
    moved past them, so that an insert by anyone else gets an id after them too."""
    quote = connection.ops.quote_name
    head, table = AuditChainHead._meta.db_table, AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        last = (
            "setval(pg_get_serial_sequence(%s, 'id'), GREATEST("
            "nextval(pg_get_serial_sequence(%s, 'id')) - 1, last_event_id) + %s) - %s"
        )
        params: list[Any] = [table, table, count, count]
    else:
        newest = f"SELECT COALESCE(MAX(id), 0) FROM {quote(table)}"  # noqa: S608  (table name)
        last = f"MAX(last_event_id, ({newest}))"
        params = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(head)} SET last_event_id = last_event_id WHERE id = 1 "  # noqa: S608  (table names)
            f"RETURNING last_hash, {last}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    last_hash, last_id = row
    return last_hash, list(range(last_id + 1, last_id + 1 + count))


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    reason: str


# The trigger migration core 0006 makes: without it appends still work but the head stays
# behind, and the next append would chain onto an old row (a restore without triggers, a
# database migrated below 0006 by hand). The readiness check refuses to serve then.
HEAD_TRIGGER = "core_auditevent_moves_head"


def head_trigger_present() -> bool:
    """Whether the trigger that moves the chain head on each insert exists and is enabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal"
                " AND tgenabled <> 'D'",
                [HEAD_TRIGGER],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [HEAD_TRIGGER],
            )
        return cursor.fetchone() is not None


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
        if row_digest(event) != event.row_hash:
            return ChainBreak(event.pk, "row content does not match its hash: the row was edited")
        previous = event.row_hash
        last_id = event.pk
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        return None if last_id == 0 else ChainBreak(None, "the chain head is missing")
    if head.last_event_id != last_id or head.last_hash != previous:
        return ChainBreak(head.last_event_id, "rows after the last present one were deleted")
    return None
