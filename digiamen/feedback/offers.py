"""The follow-up page's invitation to answer, while the help is over and not yet rated."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from digiamen.core import signals
from digiamen.feedback.actions import subject_of
from digiamen.intake.models import Report


@receiver(signals.followup_offers)
def offer_questions(
    sender: Any, report: Report, public_key: bytes, **kwargs: Any
) -> dict[str, Any] | None:
    if subject_of(report, public_key) is None:
        return None
    return {"template": "feedback/_offer.html"}
