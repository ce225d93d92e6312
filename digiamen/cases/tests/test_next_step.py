"""The case page says first what is expected next, from the case's state and its protocol."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from digiamen.cases.models import Case
from digiamen.cases.tests.helpers import new_case, step
from digiamen.conftest import World


def suggested(client: Client, case: Case, language: str = "en") -> str:
    """The text of the suggested next step on the case page ('' when there is none)."""
    response = client.get(f"/{language}/staff/amane/cases/{case.number}/")
    assert response.status_code == 200
    found = re.search(
        r'<div class="next-step".*?<bdi>(.*?)</bdi>.*?</div>\s*</div>',
        response.content.decode(),
        re.DOTALL,
    )
    return found.group(1) if found else ""


def test_the_suggestion_follows_the_case_from_triage_to_closure(
    signed_in: Any, world: World
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    supervisor = signed_in(sara)
    case = new_case()
    assert suggested(supervisor, case).startswith("Assess the risk")
    assert step(supervisor, case, "triage", risk="medium").status_code == 302
    assert suggested(supervisor, case) == "Assign the case to a caseworker."
    # A caseworker who is not in charge is told nothing to do (a supervisor assigns).
    bob = signed_in(world.bob)
    assert suggested(bob, case) == ""
    assert step(supervisor, case, "assign", assignee=world.bob.user.pk).status_code == 302
    assert suggested(bob, case) == "Start work on the case."
    assert step(bob, case, "start").status_code == 302
    assert suggested(bob, case).startswith("Make the first contact")
    assert step(bob, case, "first_contact").status_code == 302
    # Then the first protocol step nobody has done, with a button that marks it done here.
    page = bob.get(f"/en/staff/amane/cases/{case.number}/").content.decode()
    assert suggested(bob, case).startswith("Reassure the child")
    assert f"/en/staff/amane/cases/{case.number}/protocol/sexual_extortion-1/" in page
    assert bob.post(f"/en/staff/amane/cases/{case.number}/protocol/sexual_extortion-1/")
    assert suggested(bob, case).startswith("Advise: do not pay")
    # In the page's language.
    assert suggested(bob, case, "ar").startswith("النصح")
    for number in range(2, 7):
        bob.post(f"/en/staff/amane/cases/{case.number}/protocol/sexual_extortion-{number}/")
    assert suggested(bob, case).startswith("Every protocol step is done")
    assert step(bob, case, "close", reason="resolved").status_code == 302
    assert suggested(bob, case) == ""  # waiting for a supervisor's approval
    assert suggested(supervisor, case).startswith("Approve the closure")
    assert step(supervisor, case, "approve").status_code == 302
    assert suggested(supervisor, case) == ""  # closed: nothing expected


def test_self_assignment_suggests_taking_the_case(signed_in: Any, world: World) -> None:
    from digiamen.cases import actions

    settings = actions.settings_for(world.amane)
    settings.self_assignment = True
    settings.save()
    case = new_case()
    sara = world.add_member("sara", world.amane, "supervisor")
    step(signed_in(sara), case, "triage", risk="low")
    assert suggested(signed_in(world.bob), case).startswith("Take this case")
