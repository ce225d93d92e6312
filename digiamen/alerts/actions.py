"""State changes of alerts: who is alerted of what, preferences, the on-call rota.

Alerts for an event are made after the event's own transaction has committed (the report's,
the assignment's): no alert leaves for something that was not stored, and a failing alert
never undoes a report. Each is made once per recipient and event (``dedup_key``).
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts import time_zones
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, Role, User
from digiamen.alerts import address, queue, rota
from digiamen.alerts.context_processors import forget_unread
from digiamen.alerts.models import (
    Alert,
    AlertDelivery,
    AlertPolicy,
    AlertPreference,
    Channel,
    Kind,
    Language,
    OnCallShift,
    PendingNewReport,
)
from digiamen.cases.actions import record_event
from digiamen.cases.models import Case
from digiamen.core import audit
from digiamen.core.errors import ActionError as BaseActionError
from digiamen.core.taxonomy import RiskLevel
from digiamen.intake.models import Report

logger = logging.getLogger(__name__)


class ActionError(BaseActionError):
    messages = {
        "not_a_caseworker": _(
            "Only caseworkers and supervisors of this organisation can be on call."
        ),
        "hours": _("Give an hour from 0 to 23 and an end after the start (24 is midnight)."),
        "phone": address.PHONE_ERROR,
        "language": _("Choose Arabic, French or English."),
    }


# --- Who is alerted ------------------------------------------------------------------------


def is_urgent(case: Case) -> bool:
    """Urgent flags, or a known picture (which makes the case high risk at once)."""
    return bool(case.urgent_flags) or case.risk_level == RiskLevel.HIGH


def _members(organisation: Organisation, roles: Iterable[str]) -> list[User]:
    return [
        membership.user
        for membership in Membership.objects.active()
        .filter(organisation=organisation, role__in=list(roles))
        .select_related("user")
        .order_by("user_id")
    ]


def on_call(
    organisation: Organisation,
    now: datetime | None = None,
    *,
    caseworkers: list[User] | None = None,
) -> list[User]:
    """Who is on call now (the organisation's time zone), among the active caseworkers and
    supervisors (``caseworkers`` when the caller has read them already)."""
    if caseworkers is None:
        caseworkers = _members(organisation, CASEWORK_ROLES)
    if not caseworkers:
        return []
    local = time_zones.local(now or timezone.now(), organisation)
    # A dated exception covering this hour replaces the weekly pattern (alerts.rota).
    on_rota = rota.on_call_user_ids(organisation, local)
    by_id = {user.pk: user for user in caseworkers}
    return [by_id[pk] for pk in sorted(on_rota) if pk in by_id]


# --- Making alerts -------------------------------------------------------------------------


def _wants(
    preference: AlertPreference | None,
    kind: str,
    channel: str,
    *,
    ignore_quiet: bool,
    local_hour: int,
) -> bool:
    if preference is None or not preference.wants(kind, channel):
        return False
    if not (preference.email if channel == Channel.EMAIL else preference.phone):
        return False
    return ignore_quiet or not preference.is_quiet(local_hour)


def _for_digest(preference: AlertPreference | None, kind: str, *, urgent: bool) -> bool:
    """A non-urgent alert by e-mail for a member who takes those in a daily digest."""
    return (
        preference is not None
        and preference.daily_digest
        and not urgent
        and bool(preference.email)
        and preference.wants(kind, Channel.EMAIL)
    )


def shows_case_numbers(organisation: Organisation) -> bool:
    return AlertPolicy.objects.filter(organisation=organisation, case_numbers=True).exists()


def set_case_numbers(organisation: Organisation, actor: User, *, shown: bool) -> AlertPolicy:
    with transaction.atomic():
        policy, _created = AlertPolicy.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        policy.case_numbers = shown
        policy.updated_at = timezone.now()
        policy.save(update_fields=["case_numbers", "updated_at"])
        audit.record(
            "alerts.policy_changed",
            actor=actor,
            organisation=organisation,
            details={"case_numbers": shown},
        )
    return policy


def create_alerts(
    organisation: Organisation,
    users: Iterable[User],
    *,
    kind: str,
    urgent: bool,
    dedup_key: str,
    ignore_quiet: bool = False,
    now: datetime | None = None,
    case: Case | None = None,
    in_app_only: bool = False,
    fingerprint: str = "",
) -> list[Alert]:
    """One alert per user who has none for this event yet, with its deliveries; the e-mails
    and texts are queued once the transaction has committed (a non-urgent e-mail of a
    member who chose the daily digest waits for it). Returns the alerts made now.
    ``in_app_only``: shown in the app, read already, sent by no other channel."""
    users = list(users)
    if not users:
        return []
    now = now or timezone.now()
    # Quiet hours are hours of the organisation's day.
    local_hour = time_zones.local(now, organisation).hour
    number = case.number if case is not None and shows_case_numbers(organisation) else ""
    made: list[Alert] = []
    queued: list[int] = []
    with transaction.atomic():
        preferences = {
            p.user_id: p for p in AlertPreference.objects.filter(user__in=[u.pk for u in users])
        }
        for user in users:
            try:
                with transaction.atomic():  # a concurrent twin of this event: skipped
                    alert = Alert.objects.create(
                        recipient=user,
                        organisation=organisation,
                        kind=kind,
                        urgent=urgent,
                        dedup_key=dedup_key,
                        case_number=number,
                        fingerprint=fingerprint,
                        created_at=now,
                        read_at=now if in_app_only else None,
                    )
            except IntegrityError:
                continue
            made.append(alert)
            transaction.on_commit(functools.partial(forget_unread, user.pk))
            AlertDelivery.objects.create(
                alert=alert,
                channel=Channel.IN_APP,
                status=AlertDelivery.Status.SENT,
                created_at=now,
                sent_at=now,
            )
            if in_app_only:
                continue
            preference = preferences.get(user.pk)
            if _for_digest(preference, kind, urgent=urgent):
                AlertDelivery.objects.create(
                    alert=alert,
                    channel=Channel.EMAIL,
                    status=AlertDelivery.Status.DIGEST,
                    created_at=now,
                )
            for channel in (Channel.EMAIL, Channel.SMS):
                if channel == Channel.EMAIL and _for_digest(preference, kind, urgent=urgent):
                    continue
                if _wants(
                    preference, kind, channel, ignore_quiet=ignore_quiet, local_hour=local_hour
                ):
                    delivery = AlertDelivery.objects.create(
                        alert=alert,
                        channel=channel,
                        created_at=now,
                        # If the queue loses the task, the periodic retry sends it then.
                        next_attempt_at=now + timedelta(minutes=2),
                    )
                    queued.append(delivery.pk)
        transaction.on_commit(lambda: _queue(queued))
    return made


def _queue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        try:
            queue.deliver_alert(delivery_id)
        except Exception:  # the queue is down: the periodic retry will send it
            logger.warning("alert delivery %s not queued; the periodic retry sends it", delivery_id)


def after_commit(make_alerts: Callable[[], object]) -> None:
    """Run ``make_alerts`` once the current transaction has committed. The request that
    made the event is still running then: a failure is logged, never raised into it (the
    periodic escalation still looks at urgent cases)."""

    def quietly() -> None:
        try:
            make_alerts()
        except Exception:
            logger.exception("alerts could not be made")

    transaction.on_commit(quietly)


def alert_new_report(report_id: int, now: datetime | None = None) -> list[Alert]:
    return alert_new_reports([report_id], now)


def alert_new_reports(report_ids: Iterable[int], now: datetime | None = None) -> list[Alert]:
    """After the reports' transactions: for each, the person on call, or else every
    caseworker and supervisor, learns that a report is waiting (and whether it is urgent).
    Each organisation's team and rota are read once for all its reports. A report whose
    alerts fail is logged and left (the periodic escalation still looks at urgent cases);
    the others are alerted all the same."""
    cases = (
        Case.objects.select_related("organisation")
        .filter(report_id__in=list(report_ids))
        .order_by("organisation_id", "report_id")
    )
    made: list[Alert] = []
    for _organisation_id, group in itertools.groupby(cases, key=lambda case: case.organisation_id):
        organisation_cases = list(group)
        organisation = organisation_cases[0].organisation
        # Read once: the rota names some of them, or else they are all alerted.
        team = _members(organisation, CASEWORK_ROLES)
        if not team:
            continue  # nobody to alert yet (an organisation still setting up)
        users = on_call(organisation, now, caseworkers=team)
        step = "on_call"
        if not users:
            users, step = team, "team"
        for case in organisation_cases:
            try:
                made += _alert_new_case(case, users, step, now)
            except Exception:
                logger.exception("new-report alerts could not be made")
    return made


def _alert_new_case(case: Case, users: list[User], step: str, now: datetime | None) -> list[Alert]:
    urgent = is_urgent(case)
    with transaction.atomic():
        made = create_alerts(
            case.organisation,
            users,
            kind=Kind.NEW_REPORT,
            urgent=urgent,
            dedup_key=f"report:{case.report_id}",
            case=case,
            ignore_quiet=urgent and step == "on_call",
            now=now,
        )
        if made:
            record_event(case, "alerted", None, step=step, recipients=len(made), urgent=urgent)
    return made


# Reports taken from the waiting list at a time: one transaction each.
PENDING_BATCH = 200


def wait_for_alerts(report: Report) -> None:
    """Inside the report's transaction: the report waits for its alerts (a row that exists
    exactly when the report does)."""
    PendingNewReport.objects.create(report=report)


def alert_pending_new_reports(now: datetime | None = None) -> list[Alert]:
    """Alerts for every report waiting for them, in batches. Each batch is taken and
    alerted in one transaction; with several consumers, each takes other rows (rows
    another transaction holds are skipped on PostgreSQL; SQLite has one writer)."""
    made: list[Alert] = []
    while True:
        with transaction.atomic():
            report_ids = list(
                PendingNewReport.objects.select_for_update(skip_locked=True)
                .order_by("report_id")
                .values_list("report_id", flat=True)[:PENDING_BATCH]
            )
            if not report_ids:
                return made
            PendingNewReport.objects.filter(report_id__in=report_ids).delete()
            made += alert_new_reports(report_ids, now)


def alert_assigned(case_id: int, assignee_id: int, version: int) -> list[Alert]:
    case = Case.objects.select_related("organisation").filter(pk=case_id).first()
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if case is None or assignee is None:
        return []
    return create_alerts(
        case.organisation,
        [assignee],
        kind=Kind.ASSIGNED,
        urgent=is_urgent(case),
        dedup_key=f"assigned:{case.pk}:{version}",
        case=case,
    )


# --- Escalation ----------------------------------------------------------------------------

# Who is alerted when an urgent case stays unopened: after one delay the supervisors, after
# two the organisation's admins.
ESCALATION_STEPS = (("supervisors", 1, (Role.SUPERVISOR,)), ("admins", 2, (Role.ORG_ADMIN,)))
# Cases older than this are never escalated (a new deployment must not wake everyone for
# last year's cases).
ESCALATION_HORIZON = timedelta(days=2)


def unopened_urgent_cases(now: datetime) -> list[Case]:
    """Urgent cases nobody has opened, recorded first contact with, or started."""
    delay = timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
    return list(
        Case.objects.filter(
            created_at__lte=now - delay,
            created_at__gte=now - ESCALATION_HORIZON,
            status__in=[Case.Status.NEW, Case.Status.TRIAGED],
            opened_at__isnull=True,
            first_contacted_at__isnull=True,
            purged_at__isnull=True,
        )
        .filter(Q(risk_level=RiskLevel.HIGH) | ~Q(urgent_flags=[]))
        .select_related("organisation")
        .order_by("created_at")
    )


def escalate_unopened(now: datetime | None = None) -> int:
    """Each escalation step whose delay has passed, once per case; each step on the case's
    timeline and in the audit log. Returns how many alerts were made."""
    now = now or timezone.now()
    delay = timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
    count = 0
    for case in unopened_urgent_cases(now):
        if not is_urgent(case):
            continue
        for step, delays, roles in ESCALATION_STEPS:
            if case.created_at > now - delay * delays:
                continue
            with transaction.atomic():
                made = create_alerts(
                    case.organisation,
                    _members(case.organisation, roles),
                    kind=Kind.ESCALATION,
                    urgent=True,
                    dedup_key=f"escalation:{case.pk}:{step}",
                    case=case,
                    ignore_quiet=True,
                    now=now,
                )
                if made:
                    record_event(case, "alert_escalated", None, step=step, recipients=len(made))
            count += len(made)
    return count


# --- The member's own alerts and preferences -------------------------------------------------


def mark_read(user: User, organisation: Organisation, alert_ids: Iterable[int] | None) -> int:
    """Mark these alerts (None: all of this organisation's) read; returns how many."""
    alerts = Alert.objects.filter(recipient=user, organisation=organisation, read_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=list(alert_ids))
    done = alerts.update(read_at=timezone.now())
    forget_unread(user.pk)
    return done


def save_preferences(
    user: User,
    *,
    email: str,
    channels: dict[str, list[str]],
    quiet_from: int,
    quiet_to: int,
    phone: str | None = None,
    language: str | None = None,
    daily_digest: bool | None = None,
) -> AlertPreference:
    """The one writer of a member's preferences (the page and the API). ``phone``,
    ``language`` and ``daily_digest`` left None keep what was there; ``phone`` must be
    normalised already (``address.normalise_phone``), "" removes it; ``language`` "" means
    the organisation's first language."""
    if phone and address.normalise_phone(phone) != phone:
        raise ActionError("phone")
    if language and language not in Language.values:
        raise ActionError("language")
    with transaction.atomic():
        preference, _created = AlertPreference.objects.select_for_update().get_or_create(user=user)
        preference.email = address.seal_address(email, user_id=user.pk)
        preference.channels = channels
        preference.quiet_from = quiet_from
        preference.quiet_to = quiet_to
        fields = ["email", "channels", "quiet_from", "quiet_to", "updated_at"]
        if phone is not None:
            preference.phone = address.seal_address(phone, user_id=user.pk, field="phone")
            fields.append("phone")
        if language is not None:
            preference.language = language
            fields.append("language")
        if daily_digest is not None:
            preference.daily_digest = daily_digest
            fields.append("daily_digest")
        preference.updated_at = timezone.now()
        preference.save(update_fields=fields)
        # The address and number themselves are never written to the log: only that
        # there is one.
        audit.record(
            "alerts.preferences_changed",
            actor=user,
            details={
                "email": bool(email),
                "phone": bool(preference.phone),
                "quiet": quiet_from != quiet_to,
                "language": preference.language,
                "daily_digest": preference.daily_digest,
            },
        )
    return preference


def current_email(user: User) -> str:
    preference = AlertPreference.objects.filter(user=user).first()
    return address.open_address(preference.email, user_id=user.pk) if preference else ""


def current_phone(user: User) -> str:
    preference = AlertPreference.objects.filter(user=user).first()
    if preference is None:
        return ""
    return address.open_address(preference.phone, user_id=user.pk, field="phone")


# --- The on-call rota (supervisors) ------------------------------------------------------------


def add_shift(
    organisation: Organisation, actor: User, *, user: User, weekday: int, start: int, end: int
) -> OnCallShift:
    if not (0 <= weekday <= 6 and 0 <= start < end <= 24):
        raise ActionError("hours")
    with transaction.atomic():
        member = (
            Membership.objects.active()
            .filter(organisation=organisation, user=user, role__in=list(CASEWORK_ROLES))
            .exists()
        )
        if not member:
            raise ActionError("not_a_caseworker")
        shift = OnCallShift.objects.create(
            organisation=organisation, user=user, weekday=weekday, start_hour=start, end_hour=end
        )
        audit.record(
            "alerts.shift_added",
            actor=actor,
            organisation=organisation,
            obj=shift,
            details={"weekday": weekday, "start": start, "end": end, "member": user.username},
        )
    return shift


def remove_shift(shift: OnCallShift, actor: User) -> None:
    with transaction.atomic():
        audit.record(
            "alerts.shift_removed",
            actor=actor,
            organisation=shift.organisation,
            obj=shift,
            details={"weekday": shift.weekday, "start": shift.start_hour, "end": shift.end_hour},
        )
        shift.delete()
