"""Receiving reports and the conversation with the reporter. The only writers of intake data."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from nacl.public import PrivateKey

from digiamen.accounts import casework_keys
from digiamen.accounts.models import Organisation, User
from digiamen.awareness import campaigns
from digiamen.core import audit, crypto, encryption, signals, tampering, writings
from digiamen.core.models import CaseworkKey, OrganisationKey
from digiamen.core.verdicts import Verified
from digiamen.intake import drafts, mailbox, receipts, reporter_signing, routing
from digiamen.intake.life import report_life
from digiamen.intake.models import FollowupSession, Message, Report

SUMMARY_EXCERPT_CHARACTERS = 300
MESSAGE_MAX_CHARACTERS = 5000


@dataclass(frozen=True)
class Submission:
    report: Report
    receipt: str


@dataclass(frozen=True)
class SealedFields:
    """A report's protected fields sealed already, as they arrived (text-message channels):
    the server cannot read them, so it stores them as they are. ``envelope`` is the record's
    data key sealed to the organisation; each field is that key's ciphertext for ``record``.
    """

    record: uuid.UUID
    envelope: bytes
    narrative: bytes
    involved_accounts: bytes
    contact: bytes


def submit_report(
    answers: dict[str, Any],
    *,
    channel: str,
    submission_id: str,
    organisation: Organisation | None = None,
    received_by: User | None = None,
    draft_token: str | None = None,
    sealed: SealedFields | None = None,
) -> Submission:
    """Store a validated report encrypted for its organisation and return its receipt.

    With ``sealed``, the narrative, accounts and contact come sealed already (the answers'
    own are ignored), and the reporter's summary carries no excerpt: nobody here can read it.

    The receipt exists only in the return value: the caller shows it once, after this
    function has returned, that is after the transaction has committed.
    Raises ``drafts.DraftGone`` when the draft was already sent (a replayed last step).

    The report's life, in one transaction: route, seal and store it (here), open its case,
    record its pictures' hashes and matches, make the case urgent for a known picture, and
    alert the staff once it has committed (the stages of ``intake.life``, wired in
    ``digiamen/report_life.py``).
    """
    country, admin1 = answers.get("country", ""), answers.get("admin1", "")
    target_id = organisation.pk if organisation is not None else routing.route_id(country, admin1)
    for _attempt in range(3):
        receipt = receipts.new_receipt()
        secret = receipts.receipt_secrets(receipt)  # slow (Argon2id): outside the transaction
        try:
            with transaction.atomic():
                if draft_token:
                    drafts.mark_submitted(draft_token)
                # Routed, sealed to the receiving organisation's key, and stored.
                target, key = _receiving(target_id, routed=organisation is None, answers=answers)
                report = _create_report(
                    answers, target, key, channel, submission_id, received_by, secret, sealed
                )
                # Then the stages of other apps: the case (cases), the pictures' hashes and
                # matches (media), an urgent case for a known picture (cases).
                report_life.case_opened(report)
                if answers.get("image_hashes"):
                    matches = report_life.pictures_recorded(report, answers["image_hashes"])
                    if matches:
                        report_life.known_picture_found(report, matches)
                # Alerts to the staff on call, sent once this transaction has committed.
                report_life.staff_alerted(report)
                audit.record(
                    "report.received",
                    actor=received_by,
                    organisation=target,
                    obj=report,
                    details={"channel": channel},
                )
        except IntegrityError:
            if Report.objects.filter(submission_id=submission_id).exists():
                raise drafts.DraftGone(submitted=True) from None
            continue  # a receipt collision (1 in 10^16): draw another
        return Submission(report=report, receipt=receipt)
    raise RuntimeError("could not draw a unique receipt")


def _receiving(
    target_id: int, *, routed: bool, answers: dict[str, Any]
) -> tuple[Organisation, CaseworkKey | OrganisationKey]:
    """The receiving organisation, read fresh, and the key its report is sealed to: one
    query. A routing decision this process kept may name an organisation removed since (in
    another process): then the report is routed afresh."""
    try:
        return encryption.organisation_and_case_key(target_id)
    except encryption.AccessDenied:
        if not routed:
            raise
    routing.forget_routes()
    fresh = routing.route(answers.get("country", ""), answers.get("admin1", ""))
    return encryption.organisation_and_case_key(fresh.pk)


def _create_report(
    answers: dict[str, Any],
    organisation: Organisation,
    key: CaseworkKey | OrganisationKey,
    channel: str,
    submission_id: str,
    received_by: User | None,
    secret: receipts.ReceiptSecrets,
    sealed: SealedFields | None = None,
) -> Report:
    report = Report(
        organisation=organisation,
        channel=channel,
        campaign=campaigns.of_organisation(organisation, answers.get("campaign")),
        received_by=received_by,
        reporter_type=answers.get("reporter_type") or "unknown",
        harm_types=list(answers.get("harm_types") or []),
        platforms=list(answers.get("platforms") or []),
        country=answers.get("country") or "",
        admin1=answers.get("admin1") or "",
        locality=answers.get("locality") or "unknown",
        perpetrator_relationship=answers.get("perpetrator_relationship") or "unknown",
        age_band=answers.get("age_band") or "unknown",
        sex=answers.get("sex") or "unknown",
        disability=answers.get("disability") or "unknown",
        contact_method=answers.get("contact_method") or "receipt",
        consent_contact=bool(answers.get("consent_contact")),
        consent_referral=bool(answers.get("consent_referral")),
        consent_statistics=bool(answers.get("consent_statistics")),
        receipt_lookup=secret.lookup,
        mailbox_public_key=bytes(secret.mailbox_key.public_key),
        submission_id=submission_id,
    )
    if sealed is not None:
        report.public_id = sealed.record
        report.sealed_key = sealed.envelope
        report.narrative = sealed.narrative
        report.involved_accounts = sealed.involved_accounts
        report.contact = sealed.contact
        excerpt = ""
    else:
        record = str(report.public_id)
        record_key = encryption.new_case_record_key(organisation, key)
        report.sealed_key = record_key.envelope
        report.narrative = record_key.encrypt(
            answers.get("narrative") or "", field="narrative", record=record
        )
        report.involved_accounts = record_key.encrypt(
            answers.get("involved_accounts") or "", field="involved_accounts", record=record
        )
        report.contact = record_key.encrypt(
            answers.get("contact_value") or "", field="contact", record=record
        )
        report.mailbox_verify_key = record_key.encrypt(
            reporter_signing.verify_key(secret.mailbox_key).hex(),
            field=reporter_signing.VERIFY_KEY_FIELD,
            record=record,
        )
        excerpt = (answers.get("narrative") or "")[:SUMMARY_EXCERPT_CHARACTERS]
    summary = {
        "harm_types": report.harm_types,
        "created": timezone.now().date().isoformat(),
        "excerpt": excerpt,
    }
    summary_json = json.dumps(summary, ensure_ascii=False).encode()
    # Padded with JSON whitespace to the size bucket, so the sealed summary does not tell
    # the story's excerpt length; summaries sealed before open the same way.
    bucket = len(crypto.pad(summary_json))
    report.reporter_summary = crypto.seal(
        bytes(report.mailbox_public_key), summary_json.ljust(bucket, b" ")
    )
    report.save()
    return report


# --- The reporter's side ----------------------------------------------------------------------


class NoMailbox(Exception):
    """The report has no mailbox a reply could be sealed to (never sealed to an empty key)."""


def find_mailbox(receipt: str) -> tuple[Report, PrivateKey] | None:
    """The report behind a receipt, and its mailbox key. Costs one Argon2id either way.

    The report is the mailbox's home; the mailbox is open while the home or a copy received
    by transfer still has it (a copy can outlive the home's purge).
    """
    secret = receipts.receipt_secrets(receipt)
    report = (
        Report.objects.select_related("organisation")
        .filter(receipt_lookup__in=[secret.lookup, secret.legacy_lookup])
        .first()
    )
    if report is None:
        return None
    mailbox_key = secret.mailbox_key_for(report.receipt_lookup)
    if not mailbox.mailbox_reports(report, bytes(mailbox_key.public_key)):
        return None  # purged after its retention period
    return report, mailbox_key


@dataclass(frozen=True)
class FollowupVisit:
    report: Report
    mailbox_key: PrivateKey
    token: str
    expires_at: Any


def start_followup(report: Report, mailbox_key: PrivateKey) -> FollowupVisit:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session = FollowupSession.objects.create(
        key_id=key_id,
        secret_hash=crypto.lookup_hash(secret.encode()),
        report=report,
        wrapped_mailbox_key=encryption.wrap_for_token(secret.encode(), mailbox_key),
        expires_at=timezone.now() + timedelta(minutes=settings.FOLLOWUP_SESSION_MINUTES),
    )
    return FollowupVisit(report, mailbox_key, f"{key_id}.{secret}", session.expires_at)


def resume_followup(token: str) -> FollowupVisit | None:
    key_id, _dot, secret = (token or "").partition(".")
    if not key_id or not secret or len(token) > 200:
        return None
    session = (
        FollowupSession.objects.select_related("report__organisation")
        .filter(key_id=key_id, expires_at__gt=timezone.now())
        .first()
    )
    if session is None or not crypto.constant_time_equal(
        session.secret_hash, crypto.lookup_hash(secret.encode())
    ):
        return None
    try:
        mailbox_key = encryption.unwrap_for_token(
            secret.encode(), bytes(session.wrapped_mailbox_key)
        )
    except crypto.DecryptionError:
        return None
    if mailbox.holder(session.report, bytes(mailbox_key.public_key)) is None:
        return None  # purged during the visit: nothing left to read or write to
    return FollowupVisit(session.report, mailbox_key, token, session.expires_at)


def end_followup(token: str) -> None:
    key_id = (token or "").partition(".")[0]
    if key_id:
        FollowupSession.objects.filter(key_id=key_id).delete()


@dataclass
class ConversationEntry:
    direction: str
    created_at: Any
    text: str
    message: Any = None  # the row, for the staff page's signature check
    author_id: int | None = None
    signed: Verified | None = None  # whose words these are, as far as signatures show


@dataclass
class ReporterConversation:
    summary: dict[str, Any]
    messages: list[ConversationEntry] = field(default_factory=list)


def reporter_conversation(visit: FollowupVisit) -> ReporterConversation:
    """Everything in the mailbox: the conversation with each organisation that had the case."""
    reports = mailbox.mailbox_reports(visit.report, bytes(visit.mailbox_key.public_key))
    sealed_summary = next(
        (bytes(r.reporter_summary) for r in reports if bytes(r.reporter_summary)), b""
    )
    summary = json.loads(crypto.unseal(visit.mailbox_key, sealed_summary)) if sealed_summary else {}
    messages = list(Message.objects.filter(report__in=reports).order_by("created_at", "id"))
    conversation = ReporterConversation(summary=summary)
    for message in messages:
        text = crypto.unseal_text(visit.mailbox_key, bytes(message.for_reporter))
        conversation.messages.append(ConversationEntry(message.direction, message.created_at, text))
    unread = [
        m.pk
        for m in messages
        if m.direction == Message.Direction.TO_REPORTER and m.read_by_reporter_at is None
    ]
    if unread:
        Message.objects.filter(pk__in=unread).update(read_by_reporter_at=timezone.now())
    return conversation


def _seal_for_report(report: Report, text: str, place: encryption.Place) -> bytes:
    """Sealed to whoever may open the report's case: its assignee and the supervisors once
    assigned, else the casework circle (``accounts.casework_keys.case_recipients``)."""
    # The case builds on the report: its assignee is read through the reverse relation.
    assignee_id = (
        Report.objects.filter(pk=report.pk).values_list("case__assigned_to_id", flat=True).first()
    )
    recipients = casework_keys.case_recipients(report.organisation, assignee_id)
    return recipients.seal(report.organisation, text, place=place)


def post_reporter_message(
    report: Report, text: str, mailbox_key: PrivateKey | None = None
) -> Message:
    """The reporter writes: to the organisation that holds the case now (after a transfer
    that carried the mailbox, the receiving one), sealed to it and to the mailbox. With the
    mailbox key (a visit opened by receipt) the message is signed with it; by text message
    there is none."""
    target = mailbox.holder(mailbox.home_of(report), bytes(report.mailbox_public_key) or None)
    if target is None:
        raise NoMailbox
    created_at = timezone.now()
    signature = (
        reporter_signing.sign(mailbox_key, str(target.public_id), created_at, text)
        if mailbox_key is not None
        else b""
    )
    with transaction.atomic():
        message = Message.objects.create(
            report=target,
            direction=Message.Direction.FROM_REPORTER,
            created_at=created_at,
            for_organisation=b"",
            for_reporter=crypto.seal_padded(bytes(target.mailbox_public_key), text),
            reporter_signature=signature,
        )
        encryption.store_sealed(
            message, "for_organisation", lambda place: _seal_for_report(target, text, place), target
        )
        audit.record("report.message_from_reporter", organisation=target.organisation, obj=target)
        signals.reporter_wrote.send(sender=Message, message=message)
    return message


# --- The organisation's side ------------------------------------------------------------------


@dataclass
class OpenedReport:
    report: Report
    narrative: str
    involved_accounts: str
    contact: str
    messages: list[ConversationEntry]
    # The reporter's verify key (``intake.reporter_signing``): empty when the report has
    # none, None when it no longer opens (the report's data was changed).
    mailbox_verify_key: bytes | None = b""


def open_report(request: HttpRequest, report: Report) -> OpenedReport:
    """Decrypt a report and its conversation for a member (audited)."""
    record = str(report.public_id)
    record_key = encryption.open_record_key(
        request,
        report.organisation,
        bytes(report.sealed_key),
        audit_object=report,
        audit_action="report.opened",
    )
    messages = list(Message.objects.filter(report=report))
    texts = (
        encryption.open_many_for_member(
            request,
            report.organisation,
            [
                (bytes(m.for_organisation), encryption.Place.of(m, "for_organisation", report))
                for m in messages
            ],
            audit_object=report,
            audit_action="report.messages_opened",
        )
        if messages
        else []
    )
    # Marked read: the reporter's messages just shown (none shown, nothing to write).
    unread = [
        m.pk
        for m in messages
        if m.direction == Message.Direction.FROM_REPORTER and m.read_by_staff_at is None
    ]
    if report.status == Report.Status.NEW or unread:
        with transaction.atomic():
            if report.status == Report.Status.NEW:
                report.status = Report.Status.SEEN
                report.save(update_fields=["status"])
            if unread:
                Message.objects.filter(pk__in=unread, read_by_staff_at__isnull=True).update(
                    read_by_staff_at=timezone.now()
                )
    verify_key = _reporter_verify_key(record_key, report)
    entries = [
        ConversationEntry(m.direction, m.created_at, tampering.text_of(t), m, m.author_id)
        for m, t in zip(messages, texts, strict=True)
    ]
    for entry in entries:
        if entry.direction == Message.Direction.FROM_REPORTER:
            entry.signed = _reporter_verdict(report, verify_key, entry)
    return OpenedReport(
        report=report,
        narrative=record_key.decrypt_text(
            bytes(report.narrative), field="narrative", record=record
        ),
        involved_accounts=record_key.decrypt_text(
            bytes(report.involved_accounts), field="involved_accounts", record=record
        ),
        contact=record_key.decrypt_text(bytes(report.contact), field="contact", record=record),
        messages=entries,
        mailbox_verify_key=verify_key,
    )


def _reporter_verify_key(record_key: encryption.RecordKey, report: Report) -> bytes | None:
    stored = bytes(report.mailbox_verify_key)
    if not stored:
        return b""
    try:
        key = bytes.fromhex(
            record_key.decrypt_text(
                stored, field=reporter_signing.VERIFY_KEY_FIELD, record=str(report.public_id)
            )
        )
    except (crypto.DecryptionError, ValueError):
        key = b""
    if len(key) != reporter_signing.KEY_BYTES:
        audit.record(
            "protected_data.tampered",
            organisation=report.organisation,
            obj=report,
            details={"table": "intake.report", "column": "mailbox_verify_key", "row": report.pk},
        )
        return None
    return key


def _reporter_verdict(
    report: Report, verify_key: bytes | None, entry: ConversationEntry
) -> Verified:
    signature = bytes(entry.message.reporter_signature)
    if verify_key is None:  # the key was changed: no signature of this report can hold
        verdict = Verified("broken") if signature else Verified("unsigned")
    elif isinstance(entry.text, tampering.TamperedText):
        verdict = Verified("unsigned")  # already marked as changed
    else:
        verdict = reporter_signing.check(
            verify_key, signature, str(report.public_id), entry.created_at, str(entry.text)
        )
    if verdict.broken:
        audit.record(
            "report.message_signature_broken",
            organisation=report.organisation,
            obj=report,
            details={"message": entry.message.pk},
        )
    return verdict


def post_staff_reply(report: Report, author: User, text: str) -> Message:
    """Write to the reporter. Callers check first whether a reply can reach them
    (``cases.replies``); a report without a mailbox is refused here too, never sealed to
    an empty key."""
    if not mailbox.reachable(report):
        raise NoMailbox
    with transaction.atomic():
        message = Message.objects.create(
            report=report,
            direction=Message.Direction.TO_REPORTER,
            author=author,
            for_organisation=b"",
            for_reporter=crypto.seal_padded(bytes(report.mailbox_public_key), text),
        )
        encryption.store_sealed(
            message, "for_organisation", lambda place: _seal_for_report(report, text, place), report
        )
        writings.sign(
            message, text, organisation=report.organisation, author=author, case_id=report.pk
        )
        audit.record(
            "report.message_to_reporter", actor=author, organisation=report.organisation, obj=report
        )
        report_life.reply_queued(report, text)  # by text message too, if it came so
    return message
