from __future__ import annotations

import json
from typing import Any

from django.test import Client

from digiamen.cases.models import Case, Note, Task
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import Member, World
from digiamen.intake.models import Message


def token_for(member: Member) -> dict[str, str]:
    response = Client().post(
        "/api/v1/auth/login",
        json.dumps(
            {
                "username": member.user.username,
                "password": member.password,
                "otp": member.totp(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def post(path: str, body: Any, auth: dict[str, str]) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json", **auth)


def test_list_and_detail_follow_need_to_know(world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    officer = world.add_member("olga", world.amane, "data_officer")
    case = new_case()
    bob, supervisor = token_for(world.bob), token_for(sara)
    listing = Client().get("/api/v1/cases?queue=all", **bob).json()
    assert listing["count"] == 1 and listing["results"][0]["number"] == case.number
    assert NARRATIVE not in json.dumps(listing)
    detail = Client().get(f"/api/v1/cases/{case.number}", **bob).json()
    assert detail["may_open"] is False and detail["narrative"] is None
    detail = Client().get(f"/api/v1/cases/{case.number}", **supervisor).json()
    assert detail["may_open"] is True and detail["narrative"] == NARRATIVE
    charlie, olga = token_for(world.charlie), token_for(officer)
    # Another organisation's case does not exist for charlie; olga's role has no case data
    # at all, and is told so (403) without learning whether the case exists.
    assert Client().get(f"/api/v1/cases/{case.number}", **charlie).status_code == 404
    assert Client().get(f"/api/v1/cases/{case.number}", **olga).status_code == 403
    assert Client().get("/api/v1/cases/MA-00-99999", **olga).status_code == 403
    assert Client().get("/api/v1/cases", **olga).status_code == 403
    # charlie's token is bound to his own organisation: its queue, not Amane's.
    assert Client().get("/api/v1/cases?queue=all", **charlie).json()["count"] == 0
    assert Client().get("/api/v1/cases").status_code == 401
    assert Client().get("/api/v1/cases?queue=bogus", **bob).status_code == 422


def test_transitions_notes_tasks_and_replies(world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case()
    bob, supervisor = token_for(world.bob), token_for(sara)
    base = f"/api/v1/cases/{case.number}"
    response = post(base + "/transitions", {"step": "triage", "version": 1, "risk": "high"}, bob)
    assert response.status_code == 200 and response.json()["status"] == "triaged"
    stale = post(base + "/transitions", {"step": "triage", "version": 1, "risk": "low"}, bob)
    assert stale.status_code == 409
    assert post(base + "/transitions", {"step": "start", "version": 2}, bob).status_code == 400
    assert (
        post(
            base + "/transitions", {"step": "assign", "version": 2, "assignee": "bob"}, supervisor
        ).status_code
        == 200
    )
    assert post(base + "/notes", {"text": "safe now"}, bob).status_code == 201  # assigned now
    assert (
        post(
            base + "/tasks", {"title": "Call back", "due_at": "2030-01-01T10:00:00Z"}, bob
        ).status_code
        == 201
    )
    # A date and time as RFC 3339 says, with its offset: not "0" (taken as 1970 before), not
    # a time whose zone nobody knows.
    tasks = Task.objects.count()
    for due_at in ["0", "2030-01-01T10:00:00", "2030-01-01", "tomorrow"]:
        refused = post(base + "/tasks", {"title": "Call back", "due_at": due_at}, bob)
        assert refused.status_code == 422, due_at
        assert refused.json()["errors"]["due_at"], due_at
    assert Task.objects.count() == tasks
    assert post(base + "/replies", {"text": "We are here."}, bob).status_code == 201
    assert (
        post(
            base + "/escalations",
            {"platform": "tiktok", "kind": "takedown", "reference": "https://t.example/v/1"},
            bob,
        ).status_code
        == 201
    )
    assert (
        post(
            base + "/escalations",
            {"platform": "myspace", "kind": "takedown", "reference": "x"},
            bob,
        ).status_code
        == 400
    )
    assert post(base + "/transitions", {"step": "fly", "version": 3}, bob).status_code == 422
    assert Note.objects.count() == Task.objects.count() == Message.objects.count() == 1
    assert Case.objects.get().risk_level == "high"


def test_writing_into_a_case_needs_to_know(world: World) -> None:
    case = new_case()
    bob, charlie = token_for(world.bob), token_for(world.charlie)
    base = f"/api/v1/cases/{case.number}"
    for auth in [bob, charlie]:
        assert post(base + "/notes", {"text": "x"}, auth).status_code == 404
        assert post(base + "/replies", {"text": "x"}, auth).status_code == 404
    assert (
        post(
            base + "/transitions", {"step": "triage", "version": 1, "risk": "low"}, charlie
        ).status_code
        == 404
    )
    assert not Note.objects.exists() and not Message.objects.exists()
