"""Transfers of a case to another organisation, with the reporter's agreement."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from digiamen.accounts.models import Organisation, User
from digiamen.cases.actions.base import ActionError, _event, _locked, is_supervisor
from digiamen.cases.actions.consent import consent_allows
from digiamen.cases.actions.workflow import open_case_for_report
from digiamen.cases.models import (
    Case,
    CaseEvent,
    ConsentRecord,
    Transfer,
)
from digiamen.core import audit, crypto, encryption, signals
from digiamen.intake import mailbox, reporter_signing
from digiamen.intake.actions import open_report
from digiamen.intake.models import Report

# --- Transfers ---------------------------------------------------------------------------------

TRANSFERRED_FIELDS = (
    "reporter_type",
    "harm_types",
    "platforms",
    "country",
    "admin1",
    "locality",
    "perpetrator_relationship",
    "age_band",
    "sex",
    "disability",
)


def transfer_case(
    request: HttpRequest, case: Case, actor: User, *, to_organisation: Organisation
) -> Transfer:
    """Send what consent allows to another organisation, sealed to it."""
    if to_organisation.pk == case.organisation_id:
        raise ActionError("wrong_state")
    if not consent_allows(case, ConsentRecord.Purpose.REFERRAL):
        raise ActionError("no_consent")
    opened = open_report(request, case.report)
    report = case.report
    copy: dict[str, Any] = {field: getattr(report, field) for field in TRANSFERRED_FIELDS}
    copy["narrative"] = opened.narrative
    copy["involved_accounts"] = opened.involved_accounts
    if consent_allows(case, ConsentRecord.Purpose.CONTACT):
        copy["contact_method"] = report.contact_method
        copy["contact_value"] = opened.contact
    copy["consent_statistics"] = consent_allows(case, ConsentRecord.Purpose.STATISTICS)
    copy["from_case"] = case.number
    copy["mailbox"] = _mailbox_for_copy(case)
    if copy["mailbox"] is not None and opened.mailbox_verify_key:
        # The reporter's verify key goes with the mailbox: their messages to the receiving
        # organisation are checked the same way.
        copy["mailbox"]["verify_key"] = opened.mailbox_verify_key.hex()
    with transaction.atomic():
        case = _locked(case, None)
        if case.status == Case.Status.CLOSED:
            raise ActionError("wrong_state")
        transfer = Transfer.objects.create(
            case=case,
            from_organisation=case.organisation,
            to_organisation=to_organisation,
            created_by=actor,
            sealed_copy=b"",
        )
        text = json.dumps(copy, ensure_ascii=False)
        encryption.store_sealed(
            transfer,
            "sealed_copy",
            lambda place: encryption.seal_for_casework(to_organisation, text, place=place),
        )
        # Whether the reporter's mailbox went too: who can write to them is on the record.
        _event(
            case, "transferred", actor, to=to_organisation.slug, mailbox=copy["mailbox"] is not None
        )
        audit.record(
            "transfer.received",
            actor=actor,
            organisation=to_organisation,
            obj=transfer,
            details={"from": case.organisation.slug},
        )
        signals.case_transferred.send(sender=Transfer, transfer=transfer)
    return transfer


def reporter_agreed_to_transfer(case: Case, as_of: datetime | None = None) -> bool:
    """The newest referral decision (as of a moment) is the reporter's own yes, not a
    supervisor's best-interests decision made without them."""
    records = ConsentRecord.objects.filter(case=case, purpose=ConsentRecord.Purpose.REFERRAL)
    if as_of is not None:
        records = records.filter(recorded_at__lte=as_of)
    latest = records.order_by("-recorded_at", "-id").first()
    return bool(latest and latest.granted and latest.method != ConsentRecord.Method.OVERRIDE)


def _mailbox_for_copy(case: Case, as_of: datetime | None = None) -> dict[str, str] | None:
    """What lets the receiving organisation write to the same mailbox: its *public* key and
    the reporter's summary sealed to it (neither readable by anyone but the reporter).

    Only when the reporter agreed to the transfer themselves: a reporter who did not should
    not find another organisation in their mailbox. A report whose reporter never had a
    receipt has no mailbox to pass on.
    """
    report = case.report
    if not mailbox.reachable(report) or not reporter_agreed_to_transfer(case, as_of):
        return None
    return {
        "public_key": bytes(report.mailbox_public_key).hex(),
        "summary": base64.b64encode(bytes(report.reporter_summary)).decode("ascii"),
    }


def decide_transfer(
    request: HttpRequest, transfer: Transfer, actor: User, *, accept: bool
) -> Case | None:
    """The receiving organisation's supervisor accepts (a new case) or declines."""
    try:
        return _decide_transfer(request, transfer, actor, accept=accept)
    except encryption.TamperedValue:
        # Refused, nothing changed; the attempt is recorded outside the rolled-back work.
        audit.record(
            "protected_data.tampered",
            actor=actor,
            organisation=transfer.to_organisation,
            obj=transfer,
            details={"table": "cases.transfer", "column": "sealed_copy", "row": transfer.pk},
        )
        raise ActionError("tampered") from None


def _decide_transfer(
    request: HttpRequest, transfer: Transfer, actor: User, *, accept: bool
) -> Case | None:
    with transaction.atomic():
        transfer = (
            Transfer.objects.select_for_update()
            .select_related("to_organisation", "case")
            .get(pk=transfer.pk)
        )
        if transfer.status != Transfer.Status.PENDING:
            raise ActionError("wrong_state")
        if not is_supervisor(transfer.to_organisation, actor):
            raise ActionError("needs_supervisor")
        new_case = None
        if accept:
            copy = json.loads(
                encryption.open_for_member(
                    request,
                    transfer.to_organisation,
                    bytes(transfer.sealed_copy),
                    place=encryption.Place.of(transfer, "sealed_copy"),
                    audit_object=transfer,
                    audit_action="transfer.opened",
                )
            )
            new_case = _case_from_copy(transfer, copy)
        transfer.status = Transfer.Status.ACCEPTED if accept else Transfer.Status.DECLINED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.new_case = new_case
        # Accepted: the receiving organisation has its own case now, sealed its own way;
        # the copy would only outlive both cases' purges. Declined: nobody needs it.
        transfer.sealed_copy = b""
        transfer.save(
            update_fields=["status", "decided_by", "decided_at", "new_case", "sealed_copy"]
        )
        _event(
            transfer.case,
            "transfer_accepted" if accept else "transfer_declined",
            actor,
            to=transfer.to_organisation.slug,
        )
        audit.record(
            "transfer.decided",
            actor=actor,
            organisation=transfer.to_organisation,
            obj=transfer,
            details={"accepted": accept},
        )
    return new_case


def _carried_mailbox(transfer: Transfer, copy: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """The mailbox public key and sealed summary the transfer carries, if any."""
    if "mailbox" in copy:
        carried = copy["mailbox"]
    else:  # a copy sealed before transfers carried the mailbox: the same rule, as of then
        carried = _mailbox_for_copy(transfer.case, transfer.created_at)
    if not isinstance(carried, dict):
        return None
    try:
        public_key = bytes.fromhex(str(carried.get("public_key", "")))
        summary = base64.b64decode(str(carried.get("summary", "")), validate=True)
    except (ValueError, binascii.Error):
        return None
    return (public_key, summary) if len(public_key) == 32 else None


def _carried_verify_key(copy: dict[str, Any]) -> str:
    """The reporter's verify key the transfer carries, as hex; empty if none or malformed."""
    carried = copy.get("mailbox")
    text = carried.get("verify_key", "") if isinstance(carried, dict) else ""
    try:
        valid = isinstance(text, str) and len(bytes.fromhex(text)) == reporter_signing.KEY_BYTES
    except ValueError:
        valid = False
    return text if valid else ""


def _case_from_copy(transfer: Transfer, copy: dict[str, Any]) -> Case:
    """A report and case of the receiving organisation.

    With the reporter's consent the transfer carries their mailbox: the copy is sealed to
    the same mailbox key and points at the report whose receipt opens it, so this
    organisation's replies reach the reporter and the reporter's new messages come here.
    Without it, the mailbox stays with the sending organisation.
    """
    organisation = transfer.to_organisation
    carried = _carried_mailbox(transfer, copy)
    source = transfer.case.report
    report = Report(
        organisation=organisation,
        channel="transfer",
        **{field: copy[field] for field in TRANSFERRED_FIELDS},
        contact_method=copy.get("contact_method", "receipt"),
        consent_contact="contact_value" in copy,
        consent_referral=True,
        consent_statistics=bool(copy.get("consent_statistics")),
        receipt_lookup=crypto.lookup_hash(secrets.token_bytes(32)),
        mailbox_public_key=carried[0] if carried else b"",
        reporter_summary=carried[1] if carried else b"",
        mailbox_home=mailbox.home_of(source) if carried else None,
        submission_id=f"transfer-{transfer.pk}",
    )
    record_key = encryption.new_case_record_key(organisation)
    record = str(report.public_id)
    report.sealed_key = record_key.envelope
    report.narrative = record_key.encrypt(
        copy.get("narrative", ""), field="narrative", record=record
    )
    report.involved_accounts = record_key.encrypt(
        copy.get("involved_accounts", ""), field="involved_accounts", record=record
    )
    report.contact = record_key.encrypt(
        copy.get("contact_value", ""), field="contact", record=record
    )
    verify_key = _carried_verify_key(copy) if carried else ""
    if verify_key:
        report.mailbox_verify_key = record_key.encrypt(
            verify_key, field=reporter_signing.VERIFY_KEY_FIELD, record=record
        )
    report.save()
    case = open_case_for_report(report)
    CaseEvent.objects.create(
        case=case, kind="received_by_transfer", details={"from": transfer.from_organisation.slug}
    )
    return case
