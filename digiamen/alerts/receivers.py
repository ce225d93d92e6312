"""What alerts listen to from the apps below (core.signals): they never import alerts."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from digiamen.accounts.models import User
from digiamen.alerts import actions, events
from digiamen.cases.models import Case


def case_assigned(sender: object, *, case: Case, assignee: User, actor: User, **_: Any) -> None:
    """The assignee learns of it after the commit; assigning oneself alerts nobody."""
    if assignee.pk == actor.pk:
        return
    case_id, assignee_id, version = case.pk, assignee.pk, case.version
    actions.after_commit(lambda: actions.alert_assigned(case_id, assignee_id, version))


# The other events (core.signals): each alert made once the event's transaction committed.


def reporter_wrote(sender: object, *, message: Any, **_: Any) -> None:
    message_id = message.pk
    actions.after_commit(lambda: events.reporter_wrote(message_id))


def case_transferred(sender: object, *, transfer: Any, **_: Any) -> None:
    transfer_id = transfer.pk
    actions.after_commit(lambda: events.transfer_received(transfer_id))


def referral_sent(sender: object, *, referral: Any, **_: Any) -> None:
    referral_id = referral.pk
    actions.after_commit(lambda: events.referral_received(referral_id))


def referral_answered(sender: object, *, referral: Any, status: str, **_: Any) -> None:
    referral_id = referral.pk
    actions.after_commit(lambda: events.referral_answered(referral_id, status))


def closure_requested(sender: object, *, case: Case, **_: Any) -> None:
    case_id, version = case.pk, case.version
    actions.after_commit(lambda: events.closure_requested(case_id, version))


def escalation_unanswered(sender: object, *, escalation: Any, **_: Any) -> None:
    escalation_id = escalation.pk
    actions.after_commit(lambda: events.escalation_unanswered(escalation_id))


def task_due(sender: object, *, task: Any, **_: Any) -> None:
    task_id = task.pk
    actions.after_commit(lambda: events.task_due(task_id))


def account_event(sender: object, *, user: User, event: str, **_: Any) -> None:
    user_id, at = user.pk, timezone.now()
    actions.after_commit(lambda: events.account_event(user_id, event, at))


CONNECTIONS = {
    "reporter_wrote": reporter_wrote,
    "case_transferred": case_transferred,
    "referral_sent": referral_sent,
    "referral_answered": referral_answered,
    "closure_requested": closure_requested,
    "escalation_unanswered": escalation_unanswered,
    "task_due": task_due,
    "account_event": account_event,
}
