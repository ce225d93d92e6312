"""A reported picture found in a hash bank (media): the case becomes urgent at once, and its
page names the bank and the distance, never an image."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from digiamen.cases.actions import settings_for
from digiamen.cases.models import Case, CaseEvent
from digiamen.core.taxonomy import RiskLevel
from digiamen.intake.life import KnownPicture
from digiamen.intake.models import Report
from digiamen.media.models import ImageMatch


def raise_urgency(report: Report, matched: Sequence[KnownPicture]) -> None:
    """Inside the report's transaction: the case becomes high risk and due as such; the
    timeline says why."""
    case = Case.objects.select_for_update().filter(report=report).first()
    if case is None:
        return
    hours = settings_for(case.organisation).hours_for(RiskLevel.HIGH)
    case.risk_level = RiskLevel.HIGH
    case.first_contact_due = min(case.first_contact_due, case.created_at + timedelta(hours=hours))
    case.version += 1
    case.save(update_fields=["risk_level", "first_contact_due", "version"])
    banks = sorted({match.bank_id for match in matched})
    CaseEvent.objects.create(
        case=case,
        kind="known_image",
        details={"matches": len(matched), "banks": ",".join(str(bank) for bank in banks)},
    )


def matches_for_case(case: Case) -> list[ImageMatch]:
    return list(
        ImageMatch.objects.filter(image__report_id=case.report_id)
        .select_related("bank", "image")
        .order_by("image_id", "distance")
    )
