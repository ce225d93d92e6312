"""Escalations to platforms and hotlines, their answers and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from digiamen.accounts.models import User
from digiamen.cases.actions.base import ActionError, _event, _locked
from digiamen.cases.actions.sealing import seal_into_case
from digiamen.cases.models import (
    Case,
    CaseEvent,
    CaseSettings,
    Escalation,
)
from digiamen.core import signals
from digiamen.core.taxonomy import Platform

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
            content_reference=b"",
            created_by=actor,
        )
        seal_into_case(case, escalation, "content_reference", reference)
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
                signals.escalation_unanswered.send(sender=Escalation, escalation=escalation)
            reminded += 1
    return reminded
