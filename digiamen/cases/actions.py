"""State changes of cases: each atomic, audited, and written to the case's timeline.

Actions that follow a form take the case ``version`` the form was made from; if someone
else changed the case meanwhile, the action refuses (``ActionError("stale")``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, Role, User
from digiamen.cases import assignment_keys, case_data, protocols, sealed_values
from digiamen.cases.models import (
    BlindIndexEntry,
    Case,
    CaseEvent,
    CaseSettings,
    ConsentRecord,
    Escalation,
    Note,
    Protocol,
    ProtocolTick,
    Task,
    Transfer,
)
from digiamen.core import audit, crypto, encryption
from digiamen.core.errors import ActionError as BaseActionError
from digiamen.core.models import PurgePeriodKey
from digiamen.core.taxonomy import Platform, RiskLevel, UrgentFlag
from digiamen.intake import mailbox
from digiamen.intake.actions import open_report, post_staff_reply
from digiamen.intake.models import Message, Report

ERROR_MESSAGES = {
    "stale": _(
        "Someone else changed this case while you were looking at it. Check the case "
        "again and repeat your change."
    ),
    "wrong_state": _("This step is not possible in the case's current status."),
    "needs_triage": _("Triage the case first."),
    "needs_assignee": _("Assign the case to a caseworker first."),
    "not_a_caseworker": _(
        "Cases can be assigned only to caseworkers and supervisors of this organisation."
    ),
    "self_assignment_off": _(
        "Your organisation does not allow taking cases yourself. Ask a supervisor."
    ),
    "needs_supervisor": _("Only a supervisor can do this."),
    "needs_reason": _("Choose a reason."),
    "closure_not_requested": _("Nobody has asked to close this case."),
    "purged": _("This case was purged after its retention period."),
    "no_consent": _(
        "Consent does not allow sharing this case with another organisation. "
        "Record the consent, or a supervisor's best-interests decision, first."
    ),
    "needs_reference": _("Give the link, the account name or the report number."),
    "needs_key": _("Your key is needed to reopen this case. Sign in again and repeat your change."),
    "protocol_lines": _("Write one step per line, with the same number of lines in each language."),
}


class ActionError(BaseActionError):
    messages = ERROR_MESSAGES


def update_case_settings(case_settings: CaseSettings, actor: User, form: Any) -> None:
    with transaction.atomic():
        form.save()
        audit.record(
            "case_settings.changed",
            actor=actor,
            organisation=case_settings.organisation,
            details={name: form.cleaned_data[name] for name in form.changed_data},
        )


def settings_for(organisation: Organisation) -> CaseSettings:
    # Loaded with the organisation (the case page's select_related): no query.
    if Organisation.case_settings.is_cached(organisation):
        try:
            return organisation.case_settings
        except CaseSettings.DoesNotExist:
            pass
    found, _created = CaseSettings.objects.get_or_create(organisation=organisation)
    return found


def _event(case: Case, kind: str, actor: User | None, **details: Any) -> None:
    CaseEvent.objects.create(case=case, kind=kind, actor=actor, details=details)
    audit.record(
        f"case.{kind}",
        actor=actor,
        organisation=case.organisation,
        obj=case,
        details={k: v for k, v in details.items() if isinstance(v, str | int | bool)},
    )


# For other apps' actions on a case (a referral): same timeline, same audit.
record_event = _event


def _locked(case: Case, version: int | None) -> Case:
    current = Case.objects.select_for_update().select_related("organisation").get(pk=case.pk)
    if version is not None and current.version != version:
        raise ActionError("stale")
    if current.purged_at is not None:
        raise ActionError("purged")
    return current


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def is_supervisor(organisation: Organisation, user: User) -> bool:
    return (
        Membership.objects.active()
        .filter(organisation=organisation, user=user, role=Role.SUPERVISOR)
        .exists()
    )


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
    assignment_keys.follow_assignment(case, keyring)
    return case


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


# --- Purge periods (crypto-shredding, docs/security-model.md) ------------------------------


def _purge_key_for(case: Case) -> PurgePeriodKey:
    """The key of the month in which retention purges this case (closed now).

    The daily purge runs after ``closed_at + retention_days``, possibly the next day: the
    period is that of the day after, so the case is always purged before its key expires.
    """
    closed_at = case.closed_at or timezone.now()
    retention = settings_for(case.organisation).retention_days
    purge_on = (closed_at + timedelta(days=retention + 1)).date()
    return encryption.purge_period_key(case.organisation, purge_on)


def _wrapped(case: Case, envelope: bytes) -> bytes:
    if case.purge_key is None:
        return envelope
    return encryption.wrap_for_purge(envelope, case.purge_key)


def _seal_for_case(case: Case, text: str) -> bytes:
    """A value sealed for whoever may open the case (the casework circle, or its assignee
    and the supervisors); sealed to its purge key too if closed."""
    sealed = assignment_keys.seal_for_case(case, text)
    if case.purge_key is None:
        return sealed
    return encryption.wrap_sealed_value_for_purge(sealed, case.purge_key) or sealed


def _wrap_copies_for_other_organisations(case: Case) -> None:
    """Seal the copies this case sent to other organisations (a pending transfer, the
    referrals) to the *receiving* organisation's key of the same purge period.

    Sealing to a public key needs no secret, so this works although nobody here can open
    them; the receiver still reads them (its organisation key opens its period key), until
    that period ends. Reopening cannot undo this (only the receiver could): a reopened
    case's copies then expire with the period the closure chose.
    """
    if case.purge_key is None:
        return
    period = case.purge_key.period
    copies: list[Any] = [
        Transfer.objects.filter(case=case, status=Transfer.Status.PENDING),
        *(rows for keeper in case_data.keepers() for rows in keeper.copies_for_others(case)),
    ]
    for rows in copies:
        for row in rows.select_related("to_organisation"):
            if not row.sealed_copy:
                continue
            key = encryption.purge_period_key(row.to_organisation, period)
            wrapped = encryption.wrap_sealed_value_for_purge(bytes(row.sealed_copy), key)
            type(row).objects.filter(pk=row.pk).update(sealed_copy=wrapped)


# --- Notes and tasks ----------------------------------------------------------------------


def add_note(case: Case, actor: User, text: str) -> Note:
    with transaction.atomic():
        case = _locked(case, None)
        note = Note.objects.create(case=case, author=actor, body=_seal_for_case(case, text))
        _event(case, "note_added", actor)
    return note


def add_task(
    case: Case, actor: User, *, title: str, due_at: datetime, assignee: User | None
) -> Task:
    with transaction.atomic():
        case = _locked(case, None)
        task = Task.objects.create(
            case=case,
            created_by=actor,
            assigned_to=assignee,
            due_at=due_at,
            title=_seal_for_case(case, title),
        )
        _event(case, "task_added", actor)
    return task


def complete_task(task: Task, actor: User) -> None:
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_at is None:
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])
            _event(task.case, "task_done", actor)


# --- Replies to the reporter ------------------------------------------------------------------


def reply_to_reporter(case: Case, actor: User, text: str) -> Message:
    """Write to the reporter through their mailbox, if one can reach them.

    Raises ``replies.ReplyRefused`` (why, and the other contact route consent allows) for a
    purged or closed case and for a report without a reachable mailbox; nothing is written.
    """
    # Imported here: replies builds on this module (consent, errors).
    from digiamen.cases import replies

    with transaction.atomic():
        # Locked: a case closed or purged meanwhile is refused, not written into.
        case = (
            Case.objects.select_for_update()
            .select_related("report", "organisation")
            .get(pk=case.pk)
        )
        route = replies.reply_route(case)
        if not route.open:
            raise replies.ReplyRefused(route)
        return post_staff_reply(case.report, actor, text)


# --- Retention ----------------------------------------------------------------------


# Tables whose rows purge deletes or overwrites: vacuumed afterwards (PostgreSQL). The
# keepers of other apps add theirs (``purged_tables``).
PURGED_TABLES = [
    Report._meta.db_table,
    Message._meta.db_table,
    Note._meta.db_table,
    Task._meta.db_table,
    BlindIndexEntry._meta.db_table,
    ConsentRecord._meta.db_table,
    Escalation._meta.db_table,
    Transfer._meta.db_table,
    "media_reportedimage",
    "channels_conversation",
    "channels_outboundmessage",
]


def purged_tables() -> list[str]:
    return [*PURGED_TABLES, *case_data.purged_tables()]


def purge_case(case: Case) -> None:
    """Keep the statistics fields; destroy everything identifying or written by a person.

    Every sealed value of the case goes (the rows, or the fields blanked); the keys that
    opened copies of them are destroyed with the purge period (``purge_expired_cases``).
    """
    # Imported here: the channels and media apps build on this module.
    from digiamen.channels.models import Conversation, OutboundMessage
    from digiamen.media.models import ReportedImage

    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("report").get(pk=case.pk)
        if case.purged_at is not None:
            return
        report = case.report
        for field in (
            "sealed_key",
            "narrative",
            "involved_accounts",
            "contact",
            "reporter_summary",
        ):
            setattr(report, field, b"")
        report.mailbox_public_key = b""
        report.save(
            update_fields=[
                "sealed_key",
                "narrative",
                "involved_accounts",
                "contact",
                "reporter_summary",
                "mailbox_public_key",
            ]
        )
        Message.objects.filter(report=report).delete()
        Note.objects.filter(case=case).delete()
        Task.objects.filter(case=case).delete()
        BlindIndexEntry.objects.filter(case=case).delete()
        # Best-interests reasons; the decisions themselves stay (consent statistics).
        ConsentRecord.objects.filter(case=case).update(override_reason=None)
        # The offender's handle or link; platform, kind and outcome stay (platform statistics).
        Escalation.objects.filter(case=case).update(content_reference=b"")
        # Copies sealed to other organisations: nobody here could re-seal them at closure.
        now = timezone.now()
        Transfer.objects.filter(case=case, status=Transfer.Status.PENDING).update(
            status=Transfer.Status.DECLINED, decided_at=now
        )
        Transfer.objects.filter(case=case).update(sealed_copy=b"")
        # Other apps' sealed values of the case (referrals' reasons and copies).
        for keeper in case_data.keepers():
            keeper.purge(case)
        # A text-message reporter's number (under the channel key, which the server holds)
        # and its keyed lookup: nothing may lead back to the sender any more.
        Conversation.objects.filter(report=report).update(reply_to=b"", sender_lookup="")
        OutboundMessage.objects.filter(report=report).delete()
        images = ReportedImage.objects.filter(report=report)
        if settings.PURGE_KEEPS_IMAGE_MATCHES:
            # Which bank entry matched and the hotline's answer stay; the picture's own
            # hashes (which could find it again anywhere) and the hotline's reference go.
            images.update(md5="", sha256="", pdq="", pdq_quality=None, hotline_reference="")
        else:
            images.delete()
        case.purged_at = now
        case.purge_key = None
        _save(case, "purged_at", "purge_key")
        _event(case, "purged", None)


def purge_expired_cases(now: datetime | None = None) -> int:
    """Purge closed cases past retention, then destroy the purge period keys that expired.

    A period key goes only when no case still sealed to it waits for its purge (a case
    whose organisation lengthened retention keeps its key until it is purged itself).
    """
    now = now or timezone.now()
    seal_closed_cases_to_purge_keys()
    purged = 0
    for case_settings in CaseSettings.objects.select_related("organisation"):
        cutoff = now - timedelta(days=case_settings.retention_days)
        for case in Case.objects.filter(
            organisation=case_settings.organisation,
            status=Case.Status.CLOSED,
            closed_at__lt=cutoff,
            purged_at__isnull=True,
        ):
            purge_case(case)
            purged += 1
    destroy_expired_purge_keys(now)
    if purged:
        encryption.scrub_deleted_rows(purged_tables())
    return purged


def seal_closed_cases_to_purge_keys() -> int:
    """Cases closed before purge period keys existed: seal them now (no secret needed).

    Runs before each daily purge, so existing data migrates by itself. Returns how many.
    """
    sealed = 0
    waiting = Case.objects.filter(
        status=Case.Status.CLOSED, purged_at__isnull=True, purge_key__isnull=True
    )
    for pk in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("organisation").get(pk=pk)
            if case.status != Case.Status.CLOSED or case.purge_key_id is not None:
                continue
            case.purge_key = _purge_key_for(case)
            sealed_values.rewrap_case_values(case, functools.partial(_wrapped, case))
            _wrap_copies_for_other_organisations(case)
            case.save(update_fields=["purge_key"])
            sealed += 1
    return sealed


def destroy_expired_purge_keys(now: datetime) -> int:
    """Delete every purge period key whose month is over and that no waiting case needs."""
    destroyed = 0
    still_needed = Case.objects.filter(purge_key__isnull=False, purged_at__isnull=True)
    for key in PurgePeriodKey.objects.filter(
        period__lt=encryption.purge_period_of(now.date())
    ).exclude(pk__in=still_needed.values("purge_key")):
        encryption.destroy_purge_period_key(key)
        audit.record(
            "purge_key.destroyed",
            organisation=key.organisation,
            details={"period": key.period.strftime("%Y-%m")},
        )
        destroyed += 1
    return destroyed


# --- Protocols -------------------------------------------------------------------------------


def organisation_protocols(organisation: Organisation) -> dict[str, Protocol]:
    """The organisation's protocols, made from the defaults on first use."""
    existing = {p.harm_type: p for p in Protocol.objects.filter(organisation=organisation)}
    missing = [h for h in protocols.DEFAULTS if h not in existing]
    if missing:
        with transaction.atomic():
            for harm_type in missing:
                existing[harm_type], _created = Protocol.objects.get_or_create(
                    organisation=organisation,
                    harm_type=harm_type,
                    defaults={"steps": protocols.default_steps(harm_type)},
                )
    return existing


def protocols_for_case(case: Case) -> list[Protocol]:
    available = organisation_protocols(case.organisation)
    chosen = [available[h] for h in case.report.harm_types if h in available]
    return chosen or [available[protocols.GENERAL]]


def tick_protocol_step(case: Case, actor: User, step_id: str) -> None:
    steps = {s["id"] for p in protocols_for_case(case) for s in p.steps}
    if step_id not in steps:
        raise ActionError("wrong_state")
    with transaction.atomic():
        case = _locked(case, None)
        _tick, created = ProtocolTick.objects.get_or_create(
            case=case, step_id=step_id, defaults={"done_by": actor}
        )
        if created:
            _event(case, "protocol_step_done", actor, step=step_id)


def update_protocol(protocol: Protocol, actor: User, texts: dict[str, list[str]]) -> None:
    """Replace the steps' texts; steps keep their ids by position, new ones get new ids."""
    count = len(texts["en"])
    if not count or any(len(lines) != count for lines in texts.values()):
        raise ActionError("protocol_lines")
    with transaction.atomic():
        old_ids = [step["id"] for step in protocol.steps]
        next_number = len(old_ids) + 1
        steps = []
        for index in range(count):
            if index < len(old_ids):
                step_id = old_ids[index]
            else:
                step_id = f"{protocol.harm_type}-{next_number}"
                next_number += 1
            steps.append({"id": step_id, **{lang: texts[lang][index] for lang in texts}})
        protocol.steps = steps
        protocol.updated_at = timezone.now()
        protocol.save(update_fields=["steps", "updated_at"])
        audit.record(
            "protocol.updated",
            actor=actor,
            organisation=protocol.organisation,
            obj=protocol,
            details={"steps": count},
        )


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
            override_reason=_seal_for_case(case, reason),
        )
        _sync_statistics_consent(case)
        _event(case, "consent_overridden", actor, purpose=purpose)
    return record


def _sync_statistics_consent(case: Case) -> None:
    """Statistics read the report's flag: keep it equal to the current consent."""
    allowed = consent_allows(case, ConsentRecord.Purpose.STATISTICS)
    Report.objects.filter(pk=case.report_id).update(consent_statistics=allowed)


# --- Escalations -------------------------------------------------------------------------------

ESCALATION_TARGETS = [*Platform.values, "hotline"]


def escalate(case: Case, actor: User, *, platform: str, kind: str, reference: str) -> Escalation:
    if platform not in ESCALATION_TARGETS or kind not in Escalation.Kind.values:
        raise ActionError("wrong_state")
    if not reference.strip():
        raise ActionError("needs_reference")
    with transaction.atomic():
        case = _locked(case, None)
        escalation = Escalation.objects.create(
            case=case,
            organisation=case.organisation,
            platform=platform,
            kind=kind,
            content_reference=_seal_for_case(case, reference),
            created_by=actor,
        )
        _event(case, "escalated", actor, platform=platform, request=kind)
    return escalation


def record_escalation_answer(escalation: Escalation, actor: User, *, answer: str) -> None:
    """``acknowledged``, or an outcome: ``removed``, ``refused``, ``no_answer``."""
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update().select_related("case").get(pk=escalation.pk)
        )
        now = timezone.now()
        if answer == "acknowledged":
            if escalation.acknowledged_at is not None:
                raise ActionError("wrong_state")
            escalation.acknowledged_at = now
        elif answer in (
            Escalation.Outcome.REMOVED,
            Escalation.Outcome.REFUSED,
            Escalation.Outcome.NO_ANSWER,
        ):
            if escalation.outcome != Escalation.Outcome.PENDING:
                raise ActionError("wrong_state")
            escalation.outcome = answer
            escalation.resolved_at = now
            if answer != Escalation.Outcome.NO_ANSWER and escalation.acknowledged_at is None:
                escalation.acknowledged_at = now
        else:
            raise ActionError("wrong_state")
        escalation.save(update_fields=["acknowledged_at", "outcome", "resolved_at"])
        _event(
            escalation.case,
            "escalation_answered",
            actor,
            platform=escalation.platform,
            answer=answer,
        )


def remind_unanswered_escalations(now: datetime | None = None) -> int:
    now = now or timezone.now()
    reminded = 0
    for case_settings in CaseSettings.objects.all():
        cutoff = now - timedelta(days=case_settings.escalation_reminder_days)
        for escalation in Escalation.objects.filter(
            organisation_id=case_settings.organisation_id,
            outcome=Escalation.Outcome.PENDING,
            acknowledged_at__isnull=True,
            reminded_at__isnull=True,
            sent_at__lt=cutoff,
        ).select_related("case"):
            with transaction.atomic():
                escalation.reminded_at = now
                escalation.save(update_fields=["reminded_at"])
                CaseEvent.objects.create(
                    case=escalation.case,
                    kind="escalation_no_answer",
                    details={"platform": escalation.platform},
                )
            reminded += 1
    return reminded


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
    with transaction.atomic():
        case = _locked(case, None)
        if case.status == Case.Status.CLOSED:
            raise ActionError("wrong_state")
        transfer = Transfer.objects.create(
            case=case,
            from_organisation=case.organisation,
            to_organisation=to_organisation,
            created_by=actor,
            sealed_copy=encryption.seal_for_casework(
                to_organisation, json.dumps(copy, ensure_ascii=False)
            ),
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
    report.save()
    case = open_case_for_report(report)
    CaseEvent.objects.create(
        case=case, kind="received_by_transfer", details={"from": transfer.from_organisation.slug}
    )
    return case
