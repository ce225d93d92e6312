"""A campaign's code arrives by every channel a report can take: a field worker's ODK form
(a question), a text message (a keyword in the first message) and a report an operator
takes from a call (a field). An unknown code is dropped for children and explained to staff."""

from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.awareness.tests.helpers import CODE, campaign
from digiamen.channels import openrosa
from digiamen.channels.tests.test_conversations import form
from digiamen.channels.tests.test_openrosa import basic, submission_xml, submit
from digiamen.conftest import World
from digiamen.intake.models import Report

__all__ = ["gateway", "worker"]
from digiamen.channels.tests.test_conversations import gateway
from digiamen.channels.tests.test_openrosa import worker


def test_an_odk_submission_carries_the_sessions_code(world: World, worker: Any) -> None:
    campaign(world)
    data = submission_xml().replace(
        b"<meta>", f"<campaign>{CODE.lower()}</campaign>\n  <meta>".encode()
    )
    assert submit(data, basic()).status_code == 201
    assert Report.objects.get().campaign == CODE
    assert "campaign" in openrosa.xform()


def test_an_odk_submission_of_the_form_before_campaigns_is_still_read(
    world: World, worker: Any
) -> None:
    response = submit(submission_xml(version="2026120301"), basic())
    assert response.status_code == 201 and Report.objects.get().campaign == ""


def test_a_text_message_keyword_starts_the_conversation_for_the_campaign(
    world: World, gateway: Any
) -> None:
    campaign(world)
    first = form(gateway, f"help {CODE}")
    assert first.status_code == 200
    for text in ["1", "1", "1", "2", "0", "1"]:
        response = form(gateway, text)
        assert response.status_code == 200, response.content
    assert Report.objects.get().campaign == CODE


def test_a_text_message_without_a_known_code_is_an_ordinary_report(
    world: World, gateway: Any
) -> None:
    campaign(world)
    form(gateway, "help NOT-A-CAMPAIGN")
    for text in ["1", "1", "1", "2", "0", "1"]:
        form(gateway, text)
    assert Report.objects.get().campaign == ""


def _operator_first_step(client: Any, code: str) -> Any:
    page = client.get("/en/staff/amane/reports/new/").content.decode()
    start = page.split('name="start" value="', 1)[1].split('"', 1)[0]
    return client.post(
        "/en/staff/amane/reports/new/",
        {"start": start, "action": "next", "channel": "phone", "campaign": code},
    )


def test_an_operator_names_the_campaign_a_caller_came_through(world: World, signed_in: Any) -> None:
    campaign(world)
    client = signed_in(world.bob)
    refused = _operator_first_step(client, "NO-SUCH-CODE")
    assert refused.status_code == 400 and "No campaign has this code" in refused.content.decode()
    accepted = _operator_first_step(client, CODE.lower())
    assert accepted.status_code == 200
    draft = accepted.content.decode().split('name="draft" value="', 1)[1].split('"', 1)[0]
    steps = [
        {"reporter_type": "parent"},
        {"harm_types": ["sexual_extortion"]},
        {"country": "MA", "admin1": "MA-04", "locality": "urban"},
        {"age_band": "12_14"},
        {"narrative": "A caller's daughter is threatened."},
        {"contact_method": "receipt"},
        {"consent_statistics": "on"},
    ]
    for answers in steps:
        page = client.post(
            "/en/staff/amane/reports/new/", {"draft": draft, "action": "next", **answers}
        )
        assert page.status_code == 200, page.content.decode()[-1500:]
    sent = client.post("/en/staff/amane/reports/new/", {"draft": draft, "action": "send"})
    assert sent.status_code in (200, 201)
    assert Report.objects.get().campaign == CODE
    assert Client().get("/en/report/").status_code == 200
