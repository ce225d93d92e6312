"""Consent: the reporter's decisions, a best-interests override, and what they allow."""

from __future__ import annotations

from django.db import transaction

from digiamen.accounts.models import User
from digiamen.cases.actions.base import ActionError, _event, _locked, is_supervisor
from digiamen.cases.actions.sealing import seal_into_case
from digiamen.cases.models import (
    Case,
    ConsentRecord,
)
from digiamen.intake.models import Report

# --- Consent ---------------------------------------------------------------------------------


def record_initial_consent(case: Case) -> None:
    """What the reporter agreed to in the report form, as the first records."""
    report = case.report
    method = (
        ConsentRecord.Method.ONLINE_FORM
        if report.channel in ("web", "api")
        else ConsentRecord.Method.PHONE
    )
    given_by = (
        ConsentRecord.GivenBy.CHILD
        if report.reporter_type == "child"
        else ConsentRecord.GivenBy.REPORTER
    )
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                case=case,
                purpose=purpose,
                granted=granted,
                given_by=given_by,
                method=method,
                recorded_by=report.received_by,
            )
            for purpose, granted in [
                (ConsentRecord.Purpose.CONTACT, report.consent_contact),
                (ConsentRecord.Purpose.REFERRAL, report.consent_referral),
                (ConsentRecord.Purpose.STATISTICS, report.consent_statistics),
            ]
        ]
    )


def current_consent(case: Case) -> dict[str, ConsentRecord]:
    latest: dict[str, ConsentRecord] = {}
    records = ConsentRecord.objects.filter(case=case).select_related("recorded_by")
    for record in records.order_by("recorded_at", "id"):
        latest[record.purpose] = record
    return latest


def consent_allows(case: Case, purpose: str) -> bool:
    record = current_consent(case).get(purpose)
    return bool(record and record.granted)


def record_consent(
    case: Case, actor: User, *, purpose: str, granted: bool, given_by: str, method: str
) -> ConsentRecord:
    if (
        purpose not in ConsentRecord.Purpose.values
        or given_by not in ConsentRecord.GivenBy.values
        or given_by == "supervisor"
        or method not in ConsentRecord.Method.values
        or method == "override"
    ):
        raise ActionError("wrong_state")
    with transaction.atomic():
        case = _locked(case, None)
        record = ConsentRecord.objects.create(
            case=case,
            purpose=purpose,
            granted=granted,
            given_by=given_by,
            method=method,
            recorded_by=actor,
        )
        _sync_statistics_consent(case)
        _event(case, "consent_recorded", actor, purpose=purpose, granted=granted, given_by=given_by)
    return record


def override_consent(case: Case, actor: User, *, purpose: str, reason: str) -> ConsentRecord:
    """A supervisor decides in the child's best interests; the reason is kept (sealed)."""
    if purpose not in ConsentRecord.Purpose.values:
        raise ActionError("wrong_state")
    if not reason.strip():
        raise ActionError("needs_reason")
    with transaction.atomic():
        case = _locked(case, None)
        if not is_supervisor(case.organisation, actor):
            raise ActionError("needs_supervisor")
        record = ConsentRecord.objects.create(
            case=case,
            purpose=purpose,
            granted=True,
            given_by=ConsentRecord.GivenBy.SUPERVISOR,
            method=ConsentRecord.Method.OVERRIDE,
            recorded_by=actor,
        )
        seal_into_case(case, record, "override_reason", reason)
        _sync_statistics_consent(case)
        _event(case, "consent_overridden", actor, purpose=purpose)
    return record


def _sync_statistics_consent(case: Case) -> None:
    """Statistics read the report's flag: keep it equal to the current consent."""
    allowed = consent_allows(case, ConsentRecord.Purpose.STATISTICS)
    Report.objects.filter(pk=case.report_id).update(consent_statistics=allowed)
