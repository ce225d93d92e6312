"""Retention: purging cases past their time, sealing closed cases to their purge period key,
destroying expired period keys."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digiamen.cases import case_data, sealed_values
from digiamen.cases.actions.base import _event, _save
from digiamen.cases.actions.sealing import (
    _purge_key_for,
    _wrap_copies_for_other_organisations,
    _wrapped,
)
from digiamen.cases.models import (
    BlindIndexEntry,
    Case,
    CaseSettings,
    ConsentRecord,
    Escalation,
    Note,
    Task,
    Transfer,
)
from digiamen.channels.models import Conversation, OutboundMessage
from digiamen.core import audit, encryption
from digiamen.core.models import PurgePeriodKey
from digiamen.intake.models import Message, Report
from digiamen.media.models import ReportedImage

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
