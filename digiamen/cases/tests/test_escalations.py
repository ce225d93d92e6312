from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.cases.models import CaseEvent, Escalation
from digiamen.cases.tasks import remind_escalations_without_answer
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World


def test_escalation_life_and_hours_to_removal(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    case = new_case()
    base = f"/en/staff/amane/cases/{case.number}/escalations/"
    reference = "https://instagram.example/p/abc123"
    assert (
        client.post(
            base, {"platform": "instagram", "kind": "takedown", "reference": reference}
        ).status_code
        == 302
    )
    escalation = Escalation.objects.get()
    assert reference.encode() not in bytes(escalation.content_reference)
    assert reference in client.get(f"/en/staff/amane/cases/{case.number}/").content.decode()
    Escalation.objects.filter(pk=escalation.pk).update(sent_at=timezone.now() - timedelta(hours=30))
    assert client.post(f"{base}{escalation.pk}/", {"answer": "acknowledged"}).status_code == 302
    assert client.post(f"{base}{escalation.pk}/", {"answer": "acknowledged"}).status_code == 400
    assert client.post(f"{base}{escalation.pk}/", {"answer": "removed"}).status_code == 302
    escalation.refresh_from_db()
    assert escalation.outcome == "removed" and 29.9 < (escalation.hours_to_removal or 0) < 30.1
    assert client.post(f"{base}{escalation.pk}/", {"answer": "refused"}).status_code == 400
    assert client.post(f"{base}{escalation.pk}/", {"answer": "exploded"}).status_code == 400


def test_bad_escalations_store_nothing(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case()
    base = f"/en/staff/amane/cases/{case.number}/escalations/"
    for data in [
        {"platform": "myspace", "kind": "takedown", "reference": "x"},
        {"platform": "tiktok", "kind": "pray", "reference": "x"},
        {"platform": "tiktok", "kind": "report", "reference": ""},
    ]:
        assert signed_in(sara).post(base, data).status_code == 400, data
    good = {"platform": "tiktok", "kind": "report", "reference": "@someone"}
    assert signed_in(world.bob).post(base, good).status_code == 404  # not assigned
    assert signed_in(world.charlie).post(base, good).status_code == 404
    assert not Escalation.objects.exists()


def test_reminder_when_a_platform_does_not_answer(world: World) -> None:
    from digiamen.cases.actions import escalate

    case = new_case()
    old = escalate(case, world.alice.user, platform="tiktok", kind="takedown", reference="a")
    escalate(case, world.alice.user, platform="tiktok", kind="takedown", reference="b")
    Escalation.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=4))
    assert remind_escalations_without_answer.call_local() == 1
    assert remind_escalations_without_answer.call_local() == 0  # once
    assert CaseEvent.objects.filter(case=case, kind="escalation_no_answer").count() == 1
