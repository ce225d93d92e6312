"""A case from its opening to its closure: triage, assignment, work, closure, reopening."""

from __future__ import annotations

import functools
from datetime import timedelta

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from digiamen.accounts.models import Membership, Organisation, Role, User
from digiamen.cases import assignment_keys, sealed_values
from digiamen.cases.actions.base import (
    ActionError,
    _event,
    _locked,
    _save,
    is_supervisor,
    settings_for,
)
from digiamen.cases.actions.consent import record_initial_consent
from digiamen.cases.actions.sealing import (
    _purge_key_for,
    _wrap_copies_for_other_organisations,
    _wrapped,
)
from digiamen.cases.models import (
    Case,
    CaseEvent,
)
from digiamen.core import crypto, encryption, signals
from digiamen.core.taxonomy import RiskLevel, UrgentFlag
from digiamen.intake.models import Report

# --- Creation ----------------------------------------------------------------------


# One statement where a locked read and a write were two (a report's round trips under a
# surge); the row stays locked until the report's transaction ends, as with the read.
_TAKE_NUMBER_SQL = (
    'UPDATE "cases_casesettings" SET "next_number" = "next_number" + 1 '
    'WHERE "organisation_id" = %s RETURNING "next_number", "untriaged_hours"'
)


def _take_case_number(organisation: Organisation) -> tuple[int, int]:
    """The organisation's next case number (counted on) and its untriaged hours."""
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_TAKE_NUMBER_SQL, [organisation.pk])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0]) - 1, int(row[1])
        settings_for(organisation)  # the organisation's first case: its settings made now
    raise RuntimeError("no case settings")


def open_case_for_report(report: Report) -> Case:
    """Called inside the report's own transaction: a case with the next short number."""
    number, untriaged_hours = _take_case_number(report.organisation)
    now = timezone.now()
    case = Case(
        organisation=report.organisation,
        report=report,
        number=f"{report.organisation.country}-{now.year % 100:02d}-{number:05d}",
        first_contact_due=now + timedelta(hours=untriaged_hours),
        created_at=now,
        updated_at=now,
    )
    case.copy_from_report(report)  # what the queue filters on, on the case itself
    case.save(force_insert=True)
    CaseEvent.objects.create(case=case, kind="created", details={"channel": report.channel})
    record_initial_consent(case)
    return case


# --- Triage, assignment, workflow ----------------------------------------------------------------


SEXUAL_HARMS = {
    "sexual_extortion",
    "online_grooming",
    "csam",
    "live_streamed_abuse",
    "non_consensual_image_sharing",
    "online_commercial_sexual_exploitation",
    "fake_opportunity_exploitation",
}


def suggested_risk(flags: list[str], harm_types: list[str]) -> str:
    """The guided assessment: any urgent answer makes it high; sexual harms medium."""
    if flags:
        return RiskLevel.HIGH
    if SEXUAL_HARMS & set(harm_types):
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def triage(case: Case, actor: User, *, version: int, risk: str, flags: list[str]) -> Case:
    """Set the risk (or take the suggestion when ``risk`` is empty) and the urgent flags."""
    if (risk and risk not in RiskLevel.values) or not set(flags) <= set(UrgentFlag.values):
        raise ActionError("wrong_state")
    with transaction.atomic():
        case = _locked(case, version)
        if case.status == Case.Status.CLOSED:
            raise ActionError("wrong_state")
        suggested = not risk
        risk = risk or suggested_risk(flags, case.report.harm_types)
        hours = settings_for(case.organisation).hours_for(risk)
        case.risk_level = risk
        case.urgent_flags = sorted(flags)
        case.first_contact_due = case.created_at + timedelta(hours=hours)
        if case.status == Case.Status.NEW:
            case.status = Case.Status.TRIAGED
        _save(case, "risk_level", "urgent_flags", "first_contact_due", "status")
        _event(
            case,
            "triaged",
            actor,
            risk=risk,
            flags=",".join(case.urgent_flags),
            suggested=suggested,
        )
    return case


def assign(
    case: Case,
    actor: User,
    *,
    version: int,
    assignee: User,
    keyring: encryption.KeyRing | None = None,
) -> Case:
    """Assign the case; with the actor's unlocked ``keyring``, its envelopes are sealed to the
    assignee and the supervisors at once (else when one of them signs in next)."""
    with transaction.atomic():
        case = _locked(case, version)
        if case.status == Case.Status.CLOSED:
            raise ActionError("wrong_state")
        member = (
            Membership.objects.active()
            .filter(
                organisation=case.organisation,
                user=assignee,
                role__in=[Role.CASEWORKER, Role.SUPERVISOR],
            )
            .exists()
        )
        if not member:
            raise ActionError("not_a_caseworker")
        if not is_supervisor(case.organisation, actor):
            if assignee != actor:
                raise ActionError("needs_supervisor")
            if not settings_for(case.organisation).self_assignment:
                raise ActionError("self_assignment_off")
        case.assigned_to = assignee
        _save(case, "assigned_to")
        _event(case, "assigned", actor, assignee=assignee.username)
        signals.case_assigned.send(sender=Case, case=case, assignee=assignee, actor=actor)
    assignment_keys.follow_assignment(case, keyring)
    return case


def assign_many(
    organisation: Organisation,
    actor: User,
    *,
    numbers: list[str],
    assignee: User,
    keyring: encryption.KeyRing | None = None,
) -> list[Case]:
    """Several cases to one member, all or none: a number not of this organisation, or a
    closed case, refuses the whole lot and nothing changes. Each case is assigned (and
    audited, and its envelopes sealed) exactly as one assignment is."""
    with transaction.atomic():
        cases = list(
            Case.objects.filter(organisation=organisation, number__in=numbers).order_by("number")
        )
        if len(cases) != len(set(numbers)):
            raise ActionError("not_found")
        if any(case.status == Case.Status.CLOSED for case in cases):
            raise ActionError("closed_in_lot")
        return [
            assign(case, actor, version=case.version, assignee=assignee, keyring=keyring)
            for case in cases
        ]


def start(case: Case, actor: User, *, version: int) -> Case:
    """triaged -> open: someone is working on it."""
    with transaction.atomic():
        case = _locked(case, version)
        if case.status == Case.Status.NEW:
            raise ActionError("needs_triage")
        if case.status != Case.Status.TRIAGED:
            raise ActionError("wrong_state")
        if case.assigned_to_id is None:
            raise ActionError("needs_assignee")
        case.status = Case.Status.OPEN
        _save(case, "status")
        _event(case, "opened", actor)
    return case


def note_first_opening(case: Case) -> None:
    """A member who may read the case opened its page: from now on an urgent case no longer
    escalates as unopened (alerts). One UPDATE the first time, nothing after; the page's
    reading is audited by the page itself."""
    if case.opened_at is not None:
        return
    now = timezone.now()
    Case.objects.filter(pk=case.pk, opened_at__isnull=True).update(opened_at=now)
    case.opened_at = now


def record_first_contact(case: Case, actor: User, *, version: int) -> Case:
    with transaction.atomic():
        case = _locked(case, version)
        if case.status == Case.Status.CLOSED or case.first_contacted_at is not None:
            raise ActionError("wrong_state")
        case.first_contacted_at = timezone.now()
        _save(case, "first_contacted_at")
        _event(case, "first_contact", actor, late=case.first_contacted_at > case.first_contact_due)
    return case


def close(case: Case, actor: User, *, version: int, reason: str) -> Case:
    """Close, or ask a supervisor to approve the closure when the organisation requires it."""
    if reason not in Case.ClosureReason.values:
        raise ActionError("needs_reason")
    with transaction.atomic():
        case = _locked(case, version)
        if case.status != Case.Status.OPEN:
            raise ActionError("wrong_state")
        needs_approval = settings_for(case.organisation).closure_needs_approval
        case.closure_reason = reason
        if needs_approval and not is_supervisor(case.organisation, actor):
            case.closure_requested_by = actor
            case.closure_requested_at = timezone.now()
            _save(case, "closure_reason", "closure_requested_by", "closure_requested_at")
            _event(case, "closure_requested", actor, reason=reason)
            signals.closure_requested.send(sender=Case, case=case)
            return case
        _close(case, actor)
    return case


def approve_closure(case: Case, actor: User, *, version: int) -> Case:
    with transaction.atomic():
        case = _locked(case, version)
        if not is_supervisor(case.organisation, actor):
            raise ActionError("needs_supervisor")
        if case.status != Case.Status.OPEN or case.closure_requested_at is None:
            raise ActionError("closure_not_requested")
        _close(case, actor)
    return case


def _close(case: Case, actor: User) -> None:
    case.status = Case.Status.CLOSED
    case.closed_at = timezone.now()
    case.purge_key = _purge_key_for(case)
    sealed_values.rewrap_case_values(case, functools.partial(_wrapped, case))
    _wrap_copies_for_other_organisations(case)
    _save(case, "status", "closed_at", "closure_reason", "purge_key")
    _event(case, "closed", actor, reason=case.closure_reason)
    signals.case_closed.send(sender=Case, case=case)


def reopen(case: Case, actor: User, *, version: int, request: HttpRequest | None = None) -> Case:
    """Reopen a closed case; its values are sealed back to the organisation key, which
    needs the supervisor's unlocked key (``request``)."""
    with transaction.atomic():
        case = _locked(case, version)
        if not is_supervisor(case.organisation, actor):
            raise ActionError("needs_supervisor")
        if case.status != Case.Status.CLOSED:
            raise ActionError("wrong_state")
        if case.purge_key_id is not None:
            try:
                keyring = encryption.keyring_for(request) if request is not None else None
            except encryption.AccessDenied:
                keyring = None
            if keyring is None:
                raise ActionError("needs_key")
            organisation = case.organisation
            try:
                sealed_values.rewrap_case_values(
                    case,
                    lambda sealed: encryption.unwrap_purge_envelope(keyring, organisation, sealed),
                )
            except (encryption.AccessDenied, crypto.DecryptionError) as error:
                raise ActionError("needs_key") from error
        case.status = Case.Status.OPEN
        case.closed_at = None
        case.purge_key = None
        case.closure_reason = ""
        case.closure_requested_at = None
        case.closure_requested_by = None
        _save(
            case,
            "status",
            "closed_at",
            "purge_key",
            "closure_reason",
            "closure_requested_at",
            "closure_requested_by",
        )
        _event(case, "reopened", actor)
    return case
