"""The timeline shows what happened in words, never an event's code, in every language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.utils import translation

from digiamen.cases.models import Case, CaseEvent
from digiamen.cases.templatetags.case_events import contact_method_label
from digiamen.cases.tests.helpers import new_case
from digiamen.cases.timeline import EVENT_LABELS, event_label
from digiamen.conftest import World
from digiamen.referrals.models import Referral

APPLICATION = Path(__file__).resolve().parents[2]
# A kind written as a literal where an event is recorded: _event(case, "kind", ...),
# record_event(case, "kind"), CaseEvent.objects.create(..., kind="kind"), or the two kinds of
# a conditional ("transfer_accepted" if accept else "transfer_declined").
RECORDED = re.compile(
    r"(?:_event|record_event)\(\s*[\w.]+,\s*\"(\w+)\"(?:\s+if\s+\w+\s+else\s+\"(\w+)\")?"
    r"|kind=\"(\w+)\""
)


def recorded_kinds() -> set[str]:
    """Every kind the apps that write case events record (cases, referrals, alerts)."""
    kinds: set[str] = set()
    for app in ("cases", "referrals", "alerts"):
        for path in (APPLICATION / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for match in RECORDED.finditer(path.read_text()):
                kinds.update(kind for kind in match.groups() if kind)
    # Built from a status: f"referral_{status}".
    kinds.update(f"referral_{status}" for status in Referral.Status.values if status != "sent")
    return kinds


def test_every_kind_the_code_records_has_words() -> None:
    kinds = recorded_kinds()
    assert {"created", "triaged", "closed", "transfer_declined", "known_image", "alerted"} <= kinds
    assert sorted(kinds - set(EVENT_LABELS)) == []


def test_the_case_page_shows_the_timeline_in_words(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")  # reads the story too
    case = new_case()
    CaseEvent.objects.create(case=case, kind="triaged")
    CaseEvent.objects.create(case=case, kind="some_future_kind")
    for language, created, triaged, other in (
        ("en", "Report received", "Risk assessed", "Other change"),
        ("fr", None, None, None),
        ("ar", None, None, None),
    ):
        page = (
            signed_in(sara, language)
            .get(f"/{language}/staff/amane/cases/{case.number}/")
            .content.decode()
        )
        timeline = page.split('class="timeline"')[1].split("</ol>")[0]
        assert "<code>" not in timeline and "triaged" not in timeline
        # The contact method in words too (the report stores "email").
        assert "<dd>email" not in page
        with translation.override(language):
            assert f"<dd>{contact_method_label('email')} · " in page
        with translation.override(language):
            for kind in ("created", "triaged", "some_future_kind"):
                assert event_label(kind) in timeline
        if created:
            assert created in timeline and triaged in timeline and other in timeline
    assert Case.objects.count() == 1
