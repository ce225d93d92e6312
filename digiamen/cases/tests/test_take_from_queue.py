"""Where the organisation allows it, a caseworker takes an unassigned case from the queue
and then reads it; the queue tells supervisors and admins which rule is in force."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from digiamen.cases.models import Case
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def set_self_assignment(signed_in: Any, world: World, allowed: bool) -> None:
    """Through the admin's case rules page, as an admin would (the queue's cached answer
    is forgotten when they change)."""
    alice = signed_in(world.alice)
    page = alice.get("/en/staff/amane/case-settings/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["self_assignment"] = "on" if allowed else ""
    if not allowed:
        data.pop("self_assignment")
    assert alice.post("/en/staff/amane/case-settings/", data).status_code == 302


def test_a_caseworker_takes_a_case_from_the_queue(signed_in: Any, world: World) -> None:
    cache.clear()
    case = new_case()
    bob = signed_in(world.bob)
    queue = bob.get("/en/staff/amane/cases/?queue=all").content.decode()
    assert f"/cases/{case.number}/step/take/" not in queue  # supervisors assign
    set_self_assignment(signed_in, world, True)
    queue = bob.get("/en/staff/amane/cases/?queue=all").content.decode()
    assert f"/cases/{case.number}/step/take/" in queue
    response = bob.post(
        f"/en/staff/amane/cases/{case.number}/step/take/", {"version": case.version}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.number}/")
    case.refresh_from_db()
    assert case.assigned_to == world.bob.user
    assert AuditEvent.objects.filter(action__startswith="case.assign").exists()
    page = bob.get(response["Location"]).content.decode()
    assert "He threatens to post my photos" in page  # now bob reads the child's words
    # Taken: no button any more; the rule off again, none for other cases either.
    other = new_case()
    set_self_assignment(signed_in, world, False)
    queue = bob.get("/en/staff/amane/cases/?queue=all").content.decode()
    assert "/step/take/" not in queue
    refused = bob.post(
        f"/en/staff/amane/cases/{other.number}/step/take/", {"version": other.version}
    )
    assert refused.status_code == 400
    assert Case.objects.get(pk=other.pk).assigned_to is None


def test_the_queue_tells_supervisors_the_rule(signed_in: Any, world: World) -> None:
    cache.clear()
    sara = world.add_member("sara", world.amane, "supervisor")
    page = signed_in(sara).get("/en/staff/amane/cases/").content.decode()
    assert "Only supervisors assign cases." in page
    set_self_assignment(signed_in, world, True)
    page = signed_in(sara).get("/en/staff/amane/cases/").content.decode()
    assert "Caseworkers may take unassigned cases themselves." in page
