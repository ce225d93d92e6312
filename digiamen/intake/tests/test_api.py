from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts import actions
from digiamen.conftest import World
from digiamen.intake.models import Message, Report
from digiamen.intake.tests.helpers import staff_reply

SMALLEST = {"harm_types": ["sexual_extortion"], "country": "MA", "narrative": "He threatens me."}


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post("/api/v1/reports", data, content_type="application/json", **headers)


def test_smallest_valid_body(world: World) -> None:
    response = post(Client(), SMALLEST)
    assert response.status_code == 201, response.content
    data = response.json()
    assert re.fullmatch(r"\d{4}( \d{4}){5}", data["receipt"])
    assert data["advice"][0]["steps"]
    report = Report.objects.get()
    assert report.organisation == world.amane and report.channel == "api"


def test_partner_key_routes_to_its_organisation_and_is_idempotent(world: World) -> None:
    key = actions.issue_api_key(world.jordan, "report_intake", label="app", actor=None)
    body = {**SMALLEST, "submission_id": "app-report-000001"}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert post(Client(), body, **auth).status_code == 201
    assert post(Client(), body, **auth).status_code == 409
    assert Report.objects.get().organisation == world.jordan


def test_wrong_or_unsuitable_keys_are_refused(world: World) -> None:
    liaison = actions.issue_api_key(world.amane, "platform_liaison", label="x", actor=None)
    for header in [f"Bearer {liaison}", "Bearer dak_nope.nope", "Basic abc", "Bearer xyz"]:
        assert post(Client(), SMALLEST, HTTP_AUTHORIZATION=header).status_code == 401, header
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SMALLEST, "harm_types": ["child_pornography"]}, "harm_types.0"),
        ({**SMALLEST, "harm_types": []}, "harm_types"),
        ({"country": "MA"}, "harm_types"),
        ({**SMALLEST, "narrative": 42}, "narrative"),
        ({**SMALLEST, "narrative": "x" * 20_001}, "narrative"),
        ({**SMALLEST, "admin1": "TN-61"}, "admin1"),
        ({**SMALLEST, "country": "ZZ"}, "country"),
        ({**SMALLEST, "age_band": "99"}, "age_band"),
        ({**SMALLEST, "contact_method": "phone", "contact_value": "nope"}, "contact_value"),
        ({**SMALLEST, "unexpected": 1}, "unexpected"),
        ({**SMALLEST, "consent_contact": "maybe"}, "consent_contact"),
    ],
)
def test_invalid_fields_get_a_message_per_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    response = post(Client(HTTP_ACCEPT_LANGUAGE="fr"), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Report.objects.exists()


def test_errors_are_in_the_language_asked_for(world: World) -> None:
    body = {**SMALLEST, "country": "ZZ", "narrative": 5}
    french = post(Client(HTTP_ACCEPT_LANGUAGE="fr"), body).json()
    arabic = post(Client(HTTP_ACCEPT_LANGUAGE="ar"), body).json()
    assert french["detail"] == "Certaines valeurs ne sont pas valides."
    assert arabic["detail"] == "بعض القيم غير صالحة."
    assert french["errors"]["narrative"] == ["Cette valeur n'a pas le bon type."]


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"[1,2]", b'"text"', b"null"])
def test_malformed_bodies(world: World, body: bytes) -> None:
    response = post(Client(), body)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()
    assert not Report.objects.exists()


def test_two_megabyte_narrative_is_refused(world: World) -> None:
    response = post(Client(), {**SMALLEST, "narrative": "ح" * 1_000_000})
    assert response.status_code in (400, 413, 422)
    assert not Report.objects.exists()


def test_follow_up_through_the_api(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    receipt = post(Client(), SMALLEST).json()["receipt"]
    report = Report.objects.get()
    staff_reply(world, report, "We can help.")
    session = Client().post(
        "/api/v1/followup/session",
        json.dumps({"receipt": receipt.replace(" ", "")}),
        content_type="application/json",
    )
    assert session.status_code == 201
    auth = {"HTTP_AUTHORIZATION": f"Bearer {session.json()['token']}"}
    conversation = Client().get("/api/v1/followup/messages", **auth).json()
    assert conversation["report"]["harm_types"] == ["sexual_extortion"]
    assert [m["text"] for m in conversation["messages"]] == ["We can help."]
    sent = Client().post(
        "/api/v1/followup/messages",
        json.dumps({"text": "Thank you"}),
        content_type="application/json",
        **auth,
    )
    assert sent.status_code == 201
    assert Message.objects.count() == 2
    assert (
        Client()
        .get("/api/v1/followup/messages", HTTP_AUTHORIZATION="Bearer forged.token")
        .status_code
        == 401
    )
    wrong = Client().post(
        "/api/v1/followup/session",
        json.dumps({"receipt": "0" * 16}),
        content_type="application/json",
    )
    assert wrong.status_code == 404


def test_openapi_lists_the_taxonomy_as_enums(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    text = json.dumps(schema)
    assert "/api/v1/reports" in schema["paths"]
    assert "/api/v1/followup/session" in schema["paths"]
    assert "sexual_extortion" in text and "online_radicalisation" in text and "roblox" in text


# --- Found by attack: the intake API refuses cross-site posts --------------------------------


def test_intake_api_refuses_other_content_types_and_cross_site_posts(world: World) -> None:
    from digiamen.accounts import actions as account_actions

    body = json.dumps({"harm_types": ["sexual_extortion"], "country": "MA"})
    client = Client()
    plain = client.post("/api/v1/reports", body, content_type="text/plain")
    assert plain.status_code == 415 and "JSON" in plain.json()["detail"]
    for headers in (
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://sub.testserver"},
        {"HTTP_ORIGIN": "null"},
    ):
        refused = client.post("/api/v1/reports", body, content_type="application/json", **headers)
        assert refused.status_code == 403, headers
    assert not Report.objects.exists()
    # The site itself, and apps (which send neither header), are served.
    same = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert (
        client.post("/api/v1/reports", body, content_type="application/json", **same).status_code
        == 201
    )
    assert client.post("/api/v1/reports", body, content_type="application/json").status_code == 201
    # A partner's key may come from its own web page.
    key = account_actions.issue_api_key(world.amane, "report_intake", label="partner", actor=None)
    partner = client.post(
        "/api/v1/reports",
        body,
        content_type="application/json",
        HTTP_ORIGIN="https://partner.example",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert partner.status_code == 201 and Report.objects.count() == 3
