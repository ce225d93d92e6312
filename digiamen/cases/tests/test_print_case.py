"""A case file printed for a court, a hospital or the police: only the ticked parts, only
what consent allows, each page saying who printed it, the printing audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.cases import actions, case_file
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


@pytest.fixture
def sara(world: World) -> Any:
    return world.add_member("sara", world.amane, "supervisor")


def _url(case: Any, language: str = "en") -> str:
    return f"/{language}/staff/amane/cases/{case.number}/print/"


def test_without_consent_only_what_cannot_identify_the_child(
    world: World, sara: Any, signed_in: Any
) -> None:
    case = new_case()  # consent to statistics only
    client = signed_in(sara, "fr")
    page = client.get(_url(case, "fr")).content.decode()
    assert 'id="section-story" disabled' in page and "nécessite un consentement" in page
    refused = client.get(_url(case, "fr") + "?section=overview&section=story")
    assert refused.status_code == 400
    assert not AuditEvent.objects.filter(action="case.printed").exists()
    pdf = client.get(_url(case, "fr") + "?section=overview&section=timeline")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf["Cache-Control"].startswith("no-store")
    event = AuditEvent.objects.get(action="case.printed")
    assert event.details == {"sections": "overview,timeline"} and event.actor_id == sara.user.pk


def test_with_consent_to_a_referral_the_story_prints_and_each_page_names_the_printer(
    world: World, sara: Any, signed_in: Any
) -> None:
    case = new_case()
    actions.record_consent(
        case, sara.user, purpose="referral", granted=True, given_by="child", method="phone"
    )
    client = signed_in(sara)
    page = client.get(_url(case)).content.decode()
    assert 'id="section-story" disabled' not in page
    # The page drawn into the PDF (WeasyPrint compresses the text inside the file).
    drawn: list[str] = []

    def keep(html: str) -> bytes:
        drawn.append(html)
        return b"%PDF-1.7 drawn"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(case_file, "render_pdf", keep)
        client.get(_url(case) + "?section=overview&section=story&section=timeline")
    [html] = drawn
    assert NARRATIVE in html and "Printed by sara on" in html and "CONFIDENTIAL" in html
    assert "Messages with the reporter" not in html  # not ticked
    pdf = client.get(_url(case) + "?section=story&section=overview")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_who_may_print(world: World, sara: Any, signed_in: Any) -> None:
    case = new_case()
    url = _url(case) + "?section=overview"
    # The assigned caseworker and supervisors may; another caseworker of the organisation
    # (who cannot open the case), another organisation and anonymous visitors may not.
    dina = world.add_member("dina", world.amane, "caseworker")
    assert signed_in(sara).get(url).status_code == 200
    assert signed_in(dina).get(url).status_code == 404
    assert signed_in(world.charlie).get(url).status_code == 404
    assert signed_in(world.alice).get(url).status_code == 403  # an admin reads no case: told so
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in(sara).post(url).status_code == 405
    assert AuditEvent.objects.filter(action="case.printed").count() == 1


@pytest.mark.parametrize(
    "query", ["?section=", "?section=nonsense", "?section=overview&section=%E2%80%AE", "?print=1"]
)
def test_bad_choices_are_refused_in_the_page_language(
    world: World, sara: Any, signed_in: Any, query: str
) -> None:
    case = new_case()
    response = signed_in(sara, "ar").get(_url(case, "ar") + query)
    assert response.status_code == 400 and 'dir="rtl"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="case.printed").exists()
