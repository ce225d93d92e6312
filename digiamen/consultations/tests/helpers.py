"""A consultation of Amane's, open today, in French and Arabic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.conftest import World
from digiamen.consultations import actions
from digiamen.consultations.models import Consultation
from digiamen.consultations.questions import parse

QUESTIONS = {
    "fr": "? Te sens-tu en sécurité en ligne ?\n- Oui\n- Parfois\n- Non\n"
    "+ Où vas-tu en ligne ?\n- Jeux\n- Vidéos\n- Messageries\n"
    "~ Que devraient faire les adultes ?",
    "ar": "? هل تشعر بالأمان على الإنترنت؟\n- نعم\n- أحيانا\n- لا\n"
    "+ أين تذهب على الإنترنت؟\n- الألعاب\n- الفيديوهات\n- المراسلة\n"
    "~ ماذا يجب أن يفعل الكبار؟",
}


def open_consultation(world: World, code: str = "VOIX-2027", **changes: Any) -> Consultation:
    today = time_zones.local(timezone.now(), world.amane).date()
    draft = actions.Draft(
        code=code,
        titles={"fr": "Ta sécurité en ligne", "ar": "سلامتك على الإنترنت"},
        introductions={"fr": "Quelques questions."},
        questions=parse(QUESTIONS),
        age_min=10,
        age_max=17,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        languages=["fr", "ar"],
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    consultation = actions.save_draft(world.amane, world.alice.user, draft)
    actions.publish(consultation, world.alice.user)
    consultation.refresh_from_db()
    return consultation


def web_answer(**changes: Any) -> dict[str, Any]:
    """A child's answers as the web form posts them."""
    return {
        "age_band": "12_14",
        "sex": "female",
        "admin1": "MA-06",
        "locality": "rural",
        "q0": "1",
        "q1": ["0", "2"],
        "q2": "Qu'ils écoutent les enfants.",
        **changes,
    }
