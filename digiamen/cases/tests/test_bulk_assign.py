"""Supervisors assign several cases of the queue at once: all or none, each assignment
audited and on its case's timeline as if made alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.cases.models import Case, CaseEvent
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

URL = "/{lang}/staff/amane/cases/assign/"


@pytest.fixture
def sara(world: World) -> Any:
    return world.add_member("sara", world.amane, "supervisor")


def test_a_supervisor_assigns_the_ticked_cases_in_one_go(
    world: World, sara: Any, signed_in: Any
) -> None:
    cases = [new_case() for _ in range(3)]
    client = signed_in(sara, "fr")
    queue = client.get("/fr/staff/amane/cases/?queue=all").content.decode()
    assert 'form="bulk-assign"' in queue and "Attribuer les dossiers cochés" in queue
    response = client.post(
        URL.format(lang="fr"),
        {"case": [case.number for case in cases[:2]], "assignee": world.bob.user.pk},
    )
    assert response.status_code == 302
    assigned = {case.number: case.assigned_to_id for case in Case.objects.all()}
    assert assigned == {cases[0].number: world.bob.user.pk, cases[1].number: world.bob.user.pk,
                        cases[2].number: None}  # fmt: skip
    # Each one as if assigned alone: its timeline, its audit row.
    assert CaseEvent.objects.filter(kind="assigned").count() == 2
    assert AuditEvent.objects.filter(action="case.assigned").count() == 2
    followed = client.get(response["Location"]).content.decode()
    assert "2 dossiers attribués." in followed


@pytest.mark.parametrize("spoiler", ["another organisation", "closed", "unknown"])
def test_one_wrong_case_refuses_the_lot_and_nothing_changes(
    world: World, sara: Any, signed_in: Any, spoiler: str
) -> None:
    good = new_case()
    if spoiler == "another organisation":
        bad = new_case(organisation_country="JO").number
    elif spoiler == "closed":
        closed = new_case()
        closed.status = Case.Status.CLOSED
        closed.save(update_fields=["status"])
        bad = closed.number
    else:
        bad = "MA-26-99999"
    response = signed_in(sara, "fr").post(
        URL.format(lang="fr"), {"case": [good.number, bad], "assignee": world.bob.user.pk}
    )
    assert response.status_code == 400
    assert "Rien n’a été attribué." in response.content.decode()
    assert not Case.objects.filter(assigned_to__isnull=False).exists()
    assert not CaseEvent.objects.filter(kind="assigned").exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"assignee": "1"},
        {"case": ["MA-26-00001"]},
        {"case": ["MA-26-00001"], "assignee": "not a number"},
        {"case": ["MA\u202e-26-00001"], "assignee": "BOB"},
        {"case": [f"MA-26-{n:05d}" for n in range(51)], "assignee": "BOB"},
    ],
)
def test_bad_input_is_refused_in_the_page_language(
    world: World, sara: Any, signed_in: Any, data: dict[str, Any]
) -> None:
    new_case()
    if data.get("assignee") == "BOB":
        data = {**data, "assignee": world.bob.user.pk}
    response = signed_in(sara, "ar").post(URL.format(lang="ar"), data)
    assert response.status_code == 400
    assert 'dir="rtl"' in response.content.decode()
    assert not Case.objects.filter(assigned_to__isnull=False).exists()


def test_only_the_organisations_supervisors(world: World, sara: Any, signed_in: Any) -> None:
    case = new_case()
    data = {"case": [case.number], "assignee": world.bob.user.pk}
    charlie_supervisor = world.add_member("chris", world.jordan, "supervisor")
    for member, refused in ((world.bob, 403), (world.alice, 403), (charlie_supervisor, 404)):
        assert signed_in(member).post(URL.format(lang="en"), data).status_code == refused
    anonymous = Client().post(URL.format(lang="en"), data)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in(sara).get(URL.format(lang="en")).status_code == 405
    # A caseworker's queue has no ticks.
    assert (
        'form="bulk-assign"'
        not in signed_in(world.bob).get("/en/staff/amane/cases/").content.decode()
    )
    case.refresh_from_db()
    assert case.assigned_to is None
