"""The alerts API: my alerts, my preferences (through the page's form), the rota
(supervisors). Each endpoint as the allowed member, the roles that must not, another
organisation's member and an anonymous caller."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from digiamen.accounts.models import Role
from digiamen.alerts import actions, rota
from digiamen.alerts.models import Alert, AlertPreference, OnCallException, OnCallShift
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def call(method: str, path: str, auth: dict[str, str], body: Any = None, **extra: Any) -> Any:
    client = Client()
    handler = getattr(client, method)
    if body is None:
        return handler(path, **auth, **extra)
    return handler(path, json.dumps(body), content_type="application/json", **auth, **extra)


def _alert(world: World, user: Any, key: str = "report:1", organisation: Any = None) -> Alert:
    return actions.create_alerts(
        organisation or world.amane, [user], kind="new_report", urgent=True, dedup_key=key
    )[0]


def test_a_member_lists_reads_and_marks_their_alerts(world: World) -> None:
    first = _alert(world, world.bob.user, "report:1")
    second = _alert(world, world.bob.user, "report:2")
    _alert(world, world.alice.user, "report:1")  # someone else's
    bob = token_for(world.bob)
    listed = call("get", "/api/v1/alerts", bob).json()
    assert (listed["count"], listed["unread"]) == (2, 2)
    assert [a["id"] for a in listed["results"]] == [second.pk, first.pk]
    assert listed["results"][0]["headline"] == (
        "1 urgent report is waiting in Amane. Open Digi-Amen."
    )
    french = call("get", f"/api/v1/alerts/{first.pk}", bob, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert "Amane" in french["headline"] and "urgent" in french["headline"].lower()
    assert french["read_at"] is None
    read = call("post", f"/api/v1/alerts/{first.pk}/read", bob)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = call("get", "/api/v1/alerts?unread=true", bob).json()
    assert [a["id"] for a in unread["results"]] == [second.pk] and unread["count"] == 1
    assert call("post", "/api/v1/alerts/read", bob).json() == {"marked": 1}
    assert not Alert.objects.filter(recipient=world.bob.user, read_at__isnull=True).exists()
    assert Alert.objects.get(recipient=world.alice.user).read_at is None
    assert call("get", "/api/v1/alerts?page=0", bob).status_code == 422


def test_an_alert_is_its_recipients_alone(world: World) -> None:
    alice_alert = _alert(world, world.alice.user)
    charlie_alert = _alert(world, world.charlie.user, organisation=world.jordan)
    bob = token_for(world.bob)
    for alert in (alice_alert, charlie_alert):
        assert call("get", f"/api/v1/alerts/{alert.pk}", bob).status_code == 404
        assert call("post", f"/api/v1/alerts/{alert.pk}/read", bob).status_code == 404
    charlie = token_for(world.charlie)
    assert call("get", "/api/v1/alerts", charlie).json()["count"] == 1
    assert call("post", "/api/v1/alerts/read", charlie).json() == {"marked": 1}
    alice_alert.refresh_from_db()
    assert alice_alert.read_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/alerts"),
        ("get", "/api/v1/alerts/1"),
        ("post", "/api/v1/alerts/1/read"),
        ("post", "/api/v1/alerts/read"),
        ("get", "/api/v1/alerts/preferences"),
        ("put", "/api/v1/alerts/preferences"),
        ("get", "/api/v1/rota"),
        ("post", "/api/v1/rota/shifts"),
        ("delete", "/api/v1/rota/shifts/1"),
        ("post", "/api/v1/rota/exceptions"),
        ("delete", "/api/v1/rota/exceptions/1"),
    ],
)
def test_anonymous_callers_get_401(db: None, method: str, path: str) -> None:
    body = {} if method in ("post", "put") else None
    response = call(method, path, {}, body)
    assert response.status_code == 401 and "detail" in response.json()


def test_preferences_go_through_the_pages_form(world: World) -> None:
    bob = token_for(world.bob)
    empty = call("get", "/api/v1/alerts/preferences", bob).json()
    assert empty["email"] == "" and empty["quiet_from"] == empty["quiet_to"] == 0
    saved = call(
        "put",
        "/api/v1/alerts/preferences",
        bob,
        {
            "email": "bob@example.org",
            "channels": {"new_report": ["in_app", "email"], "assigned": ["in_app"]},
            "quiet_from": 22,
            "quiet_to": 7,
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["channels"]["new_report"] == ["in_app", "email"]
    assert saved.json()["channels"]["assigned"] == ["in_app"]
    preference = AlertPreference.objects.get(user=world.bob.user)
    assert b"bob@example.org" not in bytes(preference.email)
    assert (preference.quiet_from, preference.quiet_to) == (22, 7)
    assert call("get", "/api/v1/alerts/preferences", bob).json() == saved.json()
    assert AuditEvent.objects.filter(action="alerts.preferences_changed").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address", "quiet_from": 0, "quiet_to": 0}, "email"),
        ({"email": "", "quiet_from": 25, "quiet_to": 0}, "quiet_from"),
        ({"email": "", "quiet_from": 0, "quiet_to": -1}, "quiet_to"),
        (
            {"email": "", "channels": {"weather": ["email"]}, "quiet_from": 0, "quiet_to": 0},
            "channels",
        ),
        (
            {"email": "", "channels": {"new_report": ["pigeon"]}, "quiet_from": 0, "quiet_to": 0},
            "channels",
        ),
    ],
)
def test_bad_preferences_are_refused_in_the_language_and_nothing_changes(
    world: World, body: dict[str, Any], field: str
) -> None:
    bob = token_for(world.bob)
    before = call(
        "put",
        "/api/v1/alerts/preferences",
        bob,
        {"email": "bob@example.org", "quiet_from": 1, "quiet_to": 2},
    )
    assert before.status_code == 200
    response = call("put", "/api/v1/alerts/preferences", bob, body, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["detail"] == "Certaines valeurs ne sont pas valides."
    assert field in answer["errors"]
    assert call("get", "/api/v1/alerts/preferences", bob).json() == before.json()
    assert AuditEvent.objects.filter(action="alerts.preferences_changed").count() == 1


def test_a_bad_address_message_is_the_pages_french_one(world: World) -> None:
    response = call(
        "put",
        "/api/v1/alerts/preferences",
        token_for(world.bob),
        {"email": "nope", "quiet_from": 0, "quiet_to": 0},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert "adresse" in response.json()["errors"]["email"][0].lower()
    assert not AlertPreference.objects.exists()


def test_a_supervisor_keeps_the_rota_through_the_api(world: World) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    supervisor = token_for(sara)
    shift = call(
        "post",
        "/api/v1/rota/shifts",
        supervisor,
        {"member": "bob", "weekday": 0, "start_hour": 8, "end_hour": 16},
    )
    assert shift.status_code == 201, shift.content
    tomorrow = timezone.localdate() + timedelta(days=1)
    exception = call(
        "post",
        "/api/v1/rota/exceptions",
        supervisor,
        {"member": "sara", "date": tomorrow.isoformat(), "start_hour": 0, "end_hour": 24},
    )
    assert exception.status_code == 201, exception.content
    rota = call("get", "/api/v1/rota", supervisor).json()
    assert rota["shifts"] == [shift.json()]
    assert rota["exceptions"] == [
        {
            "id": exception.json()["id"],
            "date": tomorrow.isoformat(),
            "start_hour": 0,
            "end_hour": 24,
            "member": "sara",
        }
    ]
    assert (
        call("delete", f"/api/v1/rota/shifts/{shift.json()['id']}", supervisor).status_code == 204
    )
    assert (
        call("delete", f"/api/v1/rota/exceptions/{exception.json()['id']}", supervisor).status_code
        == 204
    )
    assert not OnCallShift.objects.exists() and not OnCallException.objects.exists()
    actions_logged = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "alerts.shift_added",
        "alerts.shift_removed",
        "alerts.rota_exception_added",
        "alerts.rota_exception_removed",
    } <= actions_logged


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/rota/shifts", {"member": "bob", "weekday": 7, "start_hour": 8, "end_hour": 9}),
        ("/api/v1/rota/shifts", {"member": "bob", "weekday": 0, "start_hour": 9, "end_hour": 9}),
        ("/api/v1/rota/shifts", {"member": "alice", "weekday": 0, "start_hour": 1, "end_hour": 2}),
        (
            "/api/v1/rota/shifts",
            {"member": "charlie", "weekday": 0, "start_hour": 1, "end_hour": 2},
        ),
        (
            "/api/v1/rota/exceptions",
            {"member": "bob", "date": "2020-01-01", "start_hour": 1, "end_hour": 2},
        ),
        (
            "/api/v1/rota/exceptions",
            {"member": "bob", "date": "TOMORROW", "start_hour": 5, "end_hour": 25},
        ),
        (
            "/api/v1/rota/exceptions",
            {"member": "alice", "date": "TOMORROW", "start_hour": 1, "end_hour": 2},
        ),
        (
            "/api/v1/rota/exceptions",
            {"member": "nobody", "date": "TOMORROW", "start_hour": 1, "end_hour": 2},
        ),
    ],
)
def test_bad_rota_input_is_a_translated_400_and_nothing_is_added(
    world: World, path: str, body: dict[str, Any]
) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = {key: tomorrow if value == "TOMORROW" else value for key, value in body.items()}
    response = call("post", path, token_for(sara), body, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    # In the request's language (a message new in this change is translated at merge).
    with translation.override("ar"):
        expected = {str(error.message) for error in map(rota.RotaError, rota.RotaError.messages)}
    assert detail in expected, detail
    if body.get("date") != "2020-01-01":  # "Choose today or a later date." is new
        assert any("\u0600" <= char <= "\u06ff" for char in detail), detail
    assert not OnCallShift.objects.exists() and not OnCallException.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="alerts.").exists()


def test_the_rota_is_for_supervisors_of_the_organisation(world: World) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    shift = actions.add_shift(
        world.amane, world.alice.user, user=world.bob.user, weekday=1, start=0, end=24
    )
    others = {role: world.add_member(f"m-{role}", world.amane, role) for role in Role.values}
    jordan_supervisor = world.add_member("jsup", world.jordan, Role.SUPERVISOR)
    for role, member in others.items():
        auth = token_for(member)
        expected = 200 if role == Role.SUPERVISOR else 403
        assert call("get", "/api/v1/rota", auth).status_code == expected, role
        if role == Role.SUPERVISOR:
            continue
        assert (
            call(
                "post",
                "/api/v1/rota/exceptions",
                auth,
                {"member": "bob", "date": tomorrow, "start_hour": 1, "end_hour": 2},
            ).status_code
            == 403
        ), role
        assert call("delete", f"/api/v1/rota/shifts/{shift.pk}", auth).status_code == 403, role
    # Another organisation's supervisor: its own (empty) rota; Amane's shift does not exist.
    outsider = token_for(jordan_supervisor)
    assert call("get", "/api/v1/rota", outsider).json()["shifts"] == []
    assert call("delete", f"/api/v1/rota/shifts/{shift.pk}", outsider).status_code == 404
    assert (
        call(
            "post",
            "/api/v1/rota/shifts",
            outsider,
            {"member": "bob", "weekday": 0, "start_hour": 1, "end_hour": 2},
        ).status_code
        == 400
    )
    assert OnCallShift.objects.count() == 1 and not OnCallException.objects.exists()


def test_the_openapi_document_describes_the_alerts_endpoints(db: None) -> None:
    from digiamen.api import api

    document = api.get_openapi_schema(path_prefix="/api/v1")
    operations = {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        if path.startswith(("/api/v1/alerts", "/api/v1/rota"))
        for method, operation in item.items()
    }
    assert len(operations) == 11
    for (method, path), operation in operations.items():
        assert operation["summary"] and operation["tags"] == ["alerts"], (method, path)
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert len(success) == 1, (method, path)
        if success[0] != "204":
            schema = operation["responses"][success[0]]["content"]["application/json"]["schema"]
            assert "$ref" in schema, (method, path)
    for refusing in [
        ("PUT", "/api/v1/alerts/preferences"),
        ("POST", "/api/v1/rota/shifts"),
        ("POST", "/api/v1/rota/exceptions"),
    ]:
        assert "400" in operations[refusing]["responses"], refusing
    components = document["components"]["schemas"]
    assert "headline" in components["AlertOut"]["properties"]
    assert components["RotaExceptionIn"]["properties"]["date"]["format"] == "date"


@pytest.mark.parametrize("scope", ["report_intake", "platform_liaison"])
def test_an_organisation_key_has_no_alerts_and_no_rota(world: World, scope: str) -> None:
    from digiamen.accounts import actions as account_actions

    key = account_actions.issue_api_key(world.amane, scope, label="k", actor=None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    _alert(world, world.bob.user)
    for method, path, body in [
        ("get", "/api/v1/alerts", None),
        ("post", "/api/v1/alerts/read", None),
        ("get", "/api/v1/alerts/preferences", None),
        ("put", "/api/v1/alerts/preferences", {"email": "", "quiet_from": 0, "quiet_to": 0}),
        ("get", "/api/v1/rota", None),
        (
            "post",
            "/api/v1/rota/shifts",
            {"member": "bob", "weekday": 0, "start_hour": 1, "end_hour": 2},
        ),
    ]:
        assert call(method, path, auth, body).status_code == 403, (method, path)
    assert Alert.objects.get().read_at is None
    assert not AlertPreference.objects.exists() and not OnCallShift.objects.exists()
