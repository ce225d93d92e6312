"""Leaflets and posters: in Arabic (right to left), French and English, for every audience,
with the organisation's helplines and a QR code to the report page carrying the campaign's
code; in colour or black and white; each under 1 MB; the page for the organisation's members
only, bad choices refused with nothing drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from digiamen.accounts.models import Role
from digiamen.awareness import lessons
from digiamen.awareness.models import Campaign
from digiamen.awareness.tests.helpers import campaign as make_campaign
from digiamen.conftest import World
from digiamen.evidence.tests.test_pdf_text import text_layer
from digiamen.intake import materials
from digiamen.intake.models import Helpline

PAGE = "/en/staff/amane/awareness/materials/"
MEGABYTE = 1024 * 1024


@pytest.fixture
def campaign(world: World) -> Campaign:
    Helpline.objects.create(
        owner=world.amane,
        country="MA",
        name={"ar": "خط الطفل", "fr": "Ligne enfant", "en": "Child line"},
        phone="2511",
    )
    return make_campaign(world)


def _as_read(text: str) -> str:
    """As pdftotext writes it: the lam-alef ligatures alef first ("لا" comes out as "ال")."""
    for lam_alef, read in (("لا", "ال"), ("لإ", "إل"), ("لأ", "أل"), ("لآ", "آل")):
        text = text.replace(lam_alef, read)
    return text


@pytest.mark.needs("pdftotext")
@pytest.mark.parametrize("language", ["ar", "fr", "en"])
@pytest.mark.parametrize("size", ["leaflet", "poster"])
def test_a_material_in_each_language_and_size(
    world: World, campaign: Campaign, tmp_path: Path, language: str, size: str
) -> None:
    chosen = materials.Material("child", size, language, campaign, "HELP 1234", False)
    pdf = materials.material_pdf(world.amane, chosen)
    assert pdf.startswith(b"%PDF") and len(pdf) <= MEGABYTE
    text = text_layer(pdf, tmp_path, shot=f"material-{size}-{language}")
    with translation.override(language):
        headline = _as_read("".join(str(materials.HEADLINES["child"]).split()))
    assert headline in text
    assert f"/{language}/report/?c=SCHOOL-RABAT-2027" in text
    assert "2511" in text and "HELP1234" in text
    title = lessons.default_lesson("sexual_extortion", "child", language)
    # A lesson's title may wrap between the two columns: its first two words.
    assert title is not None and _as_read("".join(title.title.split()[:2])) in text


@pytest.mark.parametrize("audience", list(lessons.AUDIENCES))
def test_every_audience_has_its_own_words_and_the_arabic_runs_right_to_left(
    world: World, campaign: Campaign, audience: str
) -> None:
    html = materials.material_html(
        world.amane, materials.Material(audience, "leaflet", "ar", None, "", False)
    )
    assert '<html lang="ar" dir="rtl">' in html
    with translation.override("ar"):
        assert str(materials.HEADLINES[audience]) in html
        assert all(str(message) in html for message in materials.MESSAGES[audience])
    assert "?c=" not in html  # no campaign chosen: the plain report link


def test_black_and_white_uses_no_colour(world: World, campaign: Campaign) -> None:
    colour = materials.material_html(
        world.amane, materials.Material("caregiver", "poster", "fr", campaign, "", False)
    )
    grey = materials.material_html(
        world.amane, materials.Material("caregiver", "poster", "fr", campaign, "", True)
    )
    assert "#0b5d53" in colour and "#0b5d53" not in grey and "#b3541e" not in grey


def test_a_member_makes_a_pdf_through_the_page(
    world: World, campaign: Campaign, signed_in: Any
) -> None:
    client = signed_in(world.bob)
    assert client.get(PAGE).status_code == 200
    response = client.post(
        PAGE,
        {"audience": "educator", "size": "poster", "language": "ar", "campaign": campaign.pk},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "amane-educator-poster-ar.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"audience": "toddler"}, "Select a valid choice"),
        ({"size": "billboard"}, "Select a valid choice"),
        ({"language": "de"}, "Select a valid choice"),
        ({"text_message": "HELP \u202e4321"}, "invisible characters"),
        ({"text_message": "x" * 100}, "at most 60 characters"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_drawn(
    world: World, signed_in: Any, changes: dict[str, str], message: str
) -> None:
    data = {"audience": "child", "size": "leaflet", "language": "fr", **changes}
    response = signed_in(world.bob).post(PAGE, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_another_organisations_campaign_cannot_be_printed(
    world: World, campaign: Campaign, signed_in: Any
) -> None:
    theirs = make_campaign(
        world, "AMMAN-RADIO", organisation=world.jordan, created_by=world.charlie.user
    )
    data = {"audience": "child", "size": "leaflet", "language": "ar", "campaign": theirs.pk}
    assert signed_in(world.bob).post(PAGE, data).status_code == 400


def test_who_may_print(world: World, signed_in: Any) -> None:
    liaison = world.add_member("lia", world.amane, Role.PLATFORM_LIAISON)
    assert signed_in(liaison).get(PAGE).status_code == 403
    assert signed_in(world.charlie).get(PAGE).status_code == 404
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
