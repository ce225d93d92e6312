"""The case queues as conditions on a case: one definition for the queue page, the API's
list, and the staff home's counts (each count is exactly what its link shows)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from digiamen.accounts.models import Membership, Role
from digiamen.cases.models import Case, Task
from digiamen.core.taxonomy import RiskLevel
from digiamen.intake.models import Message

NOT_CLOSED = ~Q(status=Case.Status.CLOSED)
URGENT = Q(risk_level=RiskLevel.HIGH) | ~Q(urgent_flags=[])


def end_of_today(now: datetime) -> datetime:
    """Midnight at the end of the local day (the current zone: the organisation's on its pages)."""
    local = timezone.localtime(now)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def unread_replies() -> Exists:
    """The reporter wrote and no member has read it yet."""
    return Exists(
        Message.objects.filter(
            report_id=OuterRef("report_id"),
            direction=Message.Direction.FROM_REPORTER,
            read_by_staff_at__isnull=True,
        )
    )


def queue_condition(queue: str, membership: Membership, now: datetime) -> Q | None:
    """The condition of a queue on the organisation's cases; None: every case ("all")."""
    me = membership.user_id
    if queue == "new":
        return Q(status=Case.Status.NEW)
    if queue == "mine":
        return Q(assigned_to_id=me) & NOT_CLOSED
    if queue == "high":
        return Q(risk_level=RiskLevel.HIGH) & NOT_CLOSED
    if queue == "urgent":
        # As alerts.actions.is_urgent: urgent flags, or high risk (a known picture).
        return URGENT & NOT_CLOSED
    if queue == "overdue":
        return Q(first_contacted_at__isnull=True, first_contact_due__lt=now) & NOT_CLOSED
    if queue == "tasks":
        # My open tasks due by the end of today, late ones included.
        return Q(
            Exists(
                Task.objects.filter(
                    case_id=OuterRef("pk"),
                    assigned_to_id=me,
                    done_at__isnull=True,
                    due_at__lt=end_of_today(now),
                )
            )
        )
    if queue == "replies":
        # A caseworker reads the replies of their own cases; a supervisor, of every case.
        condition = Q(unread_replies())
        if membership.role != Role.SUPERVISOR:
            condition &= Q(assigned_to_id=me)
        return condition
    return None


def by_danger(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Most dangerous first: urgent (urgent flags or high risk) before the rest, then the
    nearest first-contact deadline (the overdue first), cases already contacted or closed
    last, newest first. Kept on the case (``Case.danger``, ``queue_key``) and indexed: a
    page is walked in order, never sorted whole."""
    return cases.order_by("danger", "queue_key", "-id")
