"""Is this process able to serve? The readiness checks behind /readyz and `manage.py doctor`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from digiamen.core import audit
from digiamen.media.matching import process_index
from digiamen.operations.models import Heartbeat


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check("database", False, f"cannot query the database ({type(error).__name__})")
    return Check("database", True, f"{connection.vendor} answers")


def queue() -> Check:
    beat = Heartbeat.objects.filter(name="queue").first()
    limit = settings.QUEUE_HEARTBEAT_MAX_SECONDS
    if beat is None:
        return Check("queue", False, "the queue consumer (run_huey) has never reported")
    age = (timezone.now() - beat.beat_at).total_seconds()
    if age > limit:
        return Check("queue", False, f"the queue consumer last reported {age:.0f} s ago")
    return Check("queue", True, f"the queue consumer reported {age:.0f} s ago")


def match_index() -> Check:

    pending = process_index().pending_changes()
    if pending:
        return Check("match_index", False, f"{pending} bank changes not applied yet")
    return Check("match_index", True, "the picture-matching index is up to date")


def audit_trigger() -> Check:
    if not audit.head_trigger_present():
        return Check("audit_trigger", False, "the audit log's head trigger is missing")
    return Check("audit_trigger", True, "the audit log's head trigger is in place")


READINESS: list[Callable[[], Check]] = [database, audit_trigger, queue, match_index]


def readiness() -> list[Check]:
    checks = [database()]
    if not checks[0].ok:  # the others need the database
        return checks
    return checks + [check() for check in READINESS[1:]]
