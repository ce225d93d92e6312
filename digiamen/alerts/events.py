"""Who is alerted of each event besides a new report and an assignment (actions.py), and
the periodic look at first-contact deadlines.

Each function is called once the event's transaction has committed (receivers.py) or by a
periodic job (tasks.py); each alert is made once per recipient and event (``dedup_key``),
so a job that runs again, or a signal sent twice, never alerts twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, Role, User
from digiamen.alerts.actions import _members, create_alerts, is_urgent, on_call
from digiamen.alerts.models import Alert, Kind
from digiamen.cases.models import Case, Escalation, Task, Transfer
from digiamen.intake.models import Message
from digiamen.referrals.models import Referral

# A deadline long past when this runs for the first time (a new deployment, a queue that
# was down for days) wakes nobody: only deadlines within this horizon alert.
DEADLINE_HORIZON = timedelta(days=1)


def _case_people(case: Case, now: datetime | None = None) -> list[User]:
    """The assignee; else whoever is on call; else the casework team."""
    if case.assigned_to_id is not None:
        assignee = User.objects.filter(pk=case.assigned_to_id, is_active=True).first()
        if assignee is not None:
            return [assignee]
    return on_call(case.organisation, now) or _members(case.organisation, CASEWORK_ROLES)


def first_contact_deadlines(now: datetime | None = None) -> int:
    """Cases waiting for first contact: alerted once at half their time, once when due."""
    now = now or timezone.now()
    waiting = list(
        Case.objects.filter(
            first_contacted_at__isnull=True,
            purged_at__isnull=True,
            first_contact_due__gte=now - DEADLINE_HORIZON,
            created_at__lte=now,
        )
        .exclude(status=Case.Status.CLOSED)
        .select_related("organisation")
    )
    due = []
    for case in waiting:
        halfway = case.created_at + (case.first_contact_due - case.created_at) / 2
        if now >= case.first_contact_due:
            due.append((case, Kind.DEADLINE, f"deadline:{case.pk}"))
        elif now >= halfway:
            due.append((case, Kind.DEADLINE_HALF, f"deadline-half:{case.pk}"))
    # What was alerted already, in one query: most runs alert nobody.
    done = set(
        Alert.objects.filter(dedup_key__in=[key for _c, _k, key in due]).values_list(
            "dedup_key", flat=True
        )
    )
    made = 0
    for case, kind, key in due:
        if key in done:
            continue
        made += len(
            create_alerts(
                case.organisation,
                _case_people(case, now),
                kind=kind,
                urgent=is_urgent(case),
                dedup_key=key,
                case=case,
                ignore_quiet=kind == Kind.DEADLINE and is_urgent(case),
                now=now,
            )
        )
    return made


def reporter_wrote(message_id: int) -> list[Alert]:
    """A reporter's new message on an assigned case: its assignee."""
    message = (
        Message.objects.select_related("report__case__organisation")
        .filter(pk=message_id, direction=Message.Direction.FROM_REPORTER)
        .first()
    )
    case = getattr(message.report, "case", None) if message is not None else None
    if case is None or case.assigned_to_id is None:
        return []  # unassigned: the queue's "reply waiting" shows it to the team
    assignee = User.objects.filter(pk=case.assigned_to_id, is_active=True).first()
    return create_alerts(
        case.organisation,
        [assignee] if assignee else [],
        kind=Kind.REPORTER_WROTE,
        urgent=is_urgent(case),
        dedup_key=f"message:{message_id}",
        case=case,
    )


def _receivers(organisation_id: int) -> tuple[Organisation, list[User]]:
    """A receiving organisation's supervisors; else whoever is on call; else its team."""
    organisation = Organisation.objects.get(pk=organisation_id)
    supervisors = _members(organisation, (Role.SUPERVISOR,))
    return organisation, supervisors or on_call(organisation) or _members(
        organisation, CASEWORK_ROLES
    )


def transfer_received(transfer_id: int) -> list[Alert]:
    """A case transferred in: the receiving organisation's supervisors (who decide)."""
    transfer = Transfer.objects.filter(pk=transfer_id).first()
    if transfer is None:
        return []
    organisation, people = _receivers(transfer.to_organisation_id)
    return create_alerts(
        organisation,
        people,
        kind=Kind.TRANSFER_IN,
        urgent=False,
        dedup_key=f"transfer:{transfer_id}",
    )


def referral_received(referral_id: int) -> list[Alert]:
    """A referral to an organisation on the platform: its supervisors (or whoever answers)."""
    referral = Referral.objects.filter(pk=referral_id, to_organisation__isnull=False).first()
    if referral is None or referral.to_organisation_id is None:
        return []
    organisation, people = _receivers(referral.to_organisation_id)
    return create_alerts(
        organisation,
        people,
        kind=Kind.REFERRAL_IN,
        urgent=False,
        dedup_key=f"referral:{referral_id}",
    )


def referral_answered(referral_id: int, status: str) -> list[Alert]:
    """The member who referred, of each answer (accepted, declined, completed)."""
    referral = (
        Referral.objects.select_related("from_organisation", "created_by")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not referral.created_by.is_active:
        return []
    still_member = Membership.objects.active().filter(
        organisation=referral.from_organisation, user=referral.created_by
    )
    if not still_member.exists():
        return []
    return create_alerts(
        referral.from_organisation,
        [referral.created_by],
        kind=Kind.REFERRAL_ANSWER,
        urgent=False,
        dedup_key=f"referral-answer:{referral_id}:{status}",
    )


def escalation_unanswered(escalation_id: int) -> list[Alert]:
    """No answer from a platform within the organisation's delay: who sent it, or the
    case's assignee if they left."""
    escalation = (
        Escalation.objects.select_related("case__organisation", "created_by")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:
        return []
    case = escalation.case
    sender = escalation.created_by
    active = Membership.objects.active().filter(organisation=case.organisation, user=sender)
    people = [sender] if active.exists() else _case_people(case)
    return create_alerts(
        case.organisation,
        people,
        kind=Kind.PLATFORM_SILENT,
        urgent=is_urgent(case),
        dedup_key=f"escalation-silent:{escalation_id}",
        case=case,
    )


def task_due(task_id: int) -> list[Alert]:
    """A task due and not done: the member it is assigned to, or the case's people."""
    task = (
        Task.objects.select_related("case__organisation")
        .filter(pk=task_id, done_at__isnull=True)
        .first()
    )
    if task is None:
        return []
    assignee = (
        User.objects.filter(pk=task.assigned_to_id, is_active=True).first()
        if task.assigned_to_id
        else None
    )
    return create_alerts(
        task.case.organisation,
        [assignee] if assignee else _case_people(task.case),
        kind=Kind.TASK_DUE,
        urgent=False,
        dedup_key=f"task:{task_id}:{int(task.due_at.timestamp())}",
        case=task.case,
    )


def closure_requested(case_id: int, version: int) -> list[Alert]:
    """A caseworker asked to close a case: the supervisors, who approve."""
    case = Case.objects.select_related("organisation").filter(pk=case_id).first()
    if case is None or case.closure_requested_at is None:
        return []
    return create_alerts(
        case.organisation,
        _members(case.organisation, (Role.SUPERVISOR,)),
        kind=Kind.CLOSURE,
        urgent=False,
        dedup_key=f"closure:{case_id}:{version}",
        case=case,
    )


def account_event(user_id: int, event: str, at: datetime) -> list[Alert]:
    """A sign-in, a password change or a two-step reset: the member themselves, in their
    first organisation, at any hour (quiet hours do not hold back a warning of this). A
    sign-in the member just made is already read in the app; the e-mail is the point."""
    membership = (
        Membership.objects.active()
        .filter(user_id=user_id)
        .select_related("organisation", "user")
        .order_by("organisation_id")
        .first()
    )
    if membership is None:
        return []
    made = create_alerts(
        membership.organisation,
        [membership.user],
        kind=Kind.SECURITY,
        urgent=False,
        dedup_key=f"account:{user_id}:{event}:{int(at.timestamp() * 1000)}",
        ignore_quiet=True,
    )
    if event == "sign_in" and made:
        Alert.objects.filter(pk__in=[alert.pk for alert in made]).update(read_at=at)
    return made


def audit_head_signed(event_id: int, fingerprint: str, now: datetime | None = None) -> int:
    """The audit log's head, just signed (hourly), to every organisation's admins as a
    fingerprint: in the app each time (read already: nothing to act on), and by e-mail with
    the first of each organisation's day, a copy kept outside the server that a rewrite of
    the log cannot reach (``manage.py verify_audit --fingerprint``). Returns the alerts made."""
    now = now or timezone.now()
    admins: dict[int, list[User]] = {}
    organisations: dict[int, Organisation] = {}
    for membership in (
        Membership.objects.active()
        .filter(role=Role.ORG_ADMIN)
        .select_related("organisation", "user")
        .order_by("organisation_id", "user_id")
    ):
        organisations[membership.organisation_id] = membership.organisation
        admins.setdefault(membership.organisation_id, []).append(membership.user)
    made = 0
    for organisation_id, users in admins.items():
        organisation = organisations[organisation_id]
        local_midnight = time_zones.local(now, organisation).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        # The day's first is sent on (and waits unread); the others are only listed.
        mailed_today = Alert.objects.filter(
            organisation=organisation, kind=Kind.AUDIT_HEAD, created_at__gte=local_midnight
        ).exists()
        made += len(
            create_alerts(
                organisation,
                users,
                kind=Kind.AUDIT_HEAD,
                urgent=False,
                dedup_key=f"audit_head:{event_id}",
                now=now,
                in_app_only=mailed_today,
                fingerprint=f"{event_id}:{fingerprint}",
            )
        )
    return made
