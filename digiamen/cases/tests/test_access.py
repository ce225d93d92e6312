"""Need-to-know, for every case page: each role, another organisation, anonymous."""

from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.cases.models import Note, Task
from digiamen.cases.tests.helpers import NARRATIVE, new_case, step
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def test_who_sees_what(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    dina = world.add_member("dina", world.amane, "caseworker")
    others = {
        role: world.add_member(role, world.amane, role)
        for role in ["data_officer", "network_coordinator", "platform_liaison"]
    }
    case = new_case()
    step(signed_in(sara), case, "assign", assignee=world.bob.user.pk)
    url = f"/en/staff/amane/cases/{case.number}/"

    for member in [world.bob, sara]:  # assigned caseworker, supervisor: the story, audited
        before = AuditEvent.objects.filter(action="report.opened").count()
        page = signed_in(member).get(url)
        assert page.status_code == 200 and NARRATIVE in page.content.decode()
        assert AuditEvent.objects.filter(action="report.opened").count() == before + 1
    page = signed_in(dina).get(url)  # another caseworker: the case, not the story
    assert page.status_code == 200 and NARRATIVE not in page.content.decode()
    assert "child@example.org" not in page.content.decode()
    for member in [world.alice, world.charlie, *others.values()]:
        client = signed_in(member)
        for path in [url, "/en/staff/amane/cases/", "/en/staff/amane/cases/dashboard/"]:
            # Amane's admin and other roles are told the queues and cases are not for them
            # (403, naming who may); everything is not found for another organisation's.
            refused = 404 if member is world.charlie else 403
            assert client.get(path).status_code == refused, (member.user.username, path)
    for path in [url, "/en/staff/amane/cases/"]:
        assert Client().get(path).status_code == 302
    # The 403 tells nothing about the case: a number that does not exist answers the same.
    missing = signed_in(others["data_officer"]).get("/en/staff/amane/cases/MA-26-99999/")
    assert missing.status_code == 403
    assert signed_in(world.bob).get("/en/staff/amane/cases/MA-26-99999/").status_code == 404


def test_unassigned_caseworker_cannot_write_into_a_case(signed_in: Any, world: World) -> None:
    case = new_case()
    bob, charlie = signed_in(world.bob), signed_in(world.charlie)
    base = f"/en/staff/amane/cases/{case.number}/"
    for client in [bob, charlie]:
        assert client.post(base + "notes/", {"text": "x"}).status_code == 404
        assert client.post(base + "reply/", {"text": "x"}).status_code == 404
        assert (
            client.post(base + "tasks/", {"title": "x", "due_at": "2030-01-01 10:00"}).status_code
            == 404
        )
    assert charlie.post(base + "step/triage/", {"version": 1, "risk": "high"}).status_code == 404
    assert Note.objects.count() == Task.objects.count() == 0
    case.refresh_from_db()
    assert case.risk_level == ""


def test_notes_and_tasks_are_encrypted(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    case = new_case()
    base = f"/en/staff/amane/cases/{case.number}/"
    assert (
        client.post(base + "notes/", {"text": "Mother called: Fatima is safe"}).status_code == 302
    )
    assert (
        client.post(
            base + "tasks/", {"title": "Call Fatima's school", "due_at": "2030-01-01 10:00"}
        ).status_code
        == 302
    )
    assert client.post(base + "notes/", {"text": ""}).status_code == 400
    assert client.post(base + "tasks/", {"title": "x", "due_at": "tomorrow"}).status_code == 400
    assert b"Fatima" not in bytes(Note.objects.get().body)
    assert b"Fatima" not in bytes(Task.objects.get().title)
    page = client.get(base).content.decode()
    assert "Mother called: Fatima is safe" in page and "Call Fatima&#x27;s school" in page
    task = Task.objects.get()
    assert client.post(base + f"tasks/{task.pk}/done/").status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None


def test_supervisor_dashboard(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    new_case()
    new_case()
    page = signed_in(sara).get("/en/staff/amane/cases/dashboard/")
    assert page.status_code == 200
    assert signed_in(world.bob).get("/en/staff/amane/cases/dashboard/").status_code == 403


def test_queue_filters_and_search(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    extortion = new_case()
    bullying = new_case(harm_types=["cyberbullying"], admin1="MA-06")
    page = bob.get("/en/staff/amane/cases/?queue=all&harm=cyberbullying").content.decode()
    assert bullying.number in page and extortion.number not in page
    page = bob.get(f"/en/staff/amane/cases/?queue=all&number={extortion.number}").content.decode()
    assert extortion.number in page and bullying.number not in page
    page = bob.get("/en/staff/amane/cases/?queue=all&admin1=ma-06").content.decode()
    assert bullying.number in page and extortion.number not in page
    assert NARRATIVE not in page
    assert bob.get("/en/staff/amane/cases/?queue=nonsense").status_code == 400
    assert bob.get("/en/staff/amane/cases/?page=-4").status_code == 400


def test_a_reply_or_note_with_a_direction_override_says_why_it_was_refused(
    signed_in: Any, world: World
) -> None:
    from digiamen.intake.models import Message

    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara, "fr")
    case = new_case()
    base = f"/fr/staff/amane/cases/{case.number}/"
    messages_before = Message.objects.count()
    for path in ("reply/", "notes/"):
        refused = client.post(base + path, {"text": "Appel prévu \u202e5550199"})
        assert refused.status_code == 400, path
        page = refused.content.decode()
        assert "caractères invisibles qui changent son sens" in page, path
    assert Message.objects.count() == messages_before and not Note.objects.exists()
