from __future__ import annotations

from typing import Any

from digiamen.cases.actions import organisation_protocols
from digiamen.cases.models import CaseEvent, Protocol, ProtocolTick
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World


def test_case_shows_its_harm_protocol_and_ticks_record_who_and_when(
    signed_in: Any, world: World
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara, "ar")
    case = new_case()
    page = client.get(f"/ar/staff/amane/cases/{case.number}/").content.decode()
    assert "النصح: عدم الدفع" in page  # the sextortion protocol, in Arabic
    response = client.post(f"/ar/staff/amane/cases/{case.number}/protocol/sexual_extortion-2/")
    assert response.status_code == 302
    tick = ProtocolTick.objects.get()
    assert tick.done_by == sara.user and tick.step_id == "sexual_extortion-2"
    assert CaseEvent.objects.filter(case=case, kind="protocol_step_done").exists()
    client.post(f"/ar/staff/amane/cases/{case.number}/protocol/sexual_extortion-2/")
    assert ProtocolTick.objects.count() == 1
    bad = client.post(f"/ar/staff/amane/cases/{case.number}/protocol/online_grooming-1/")
    assert bad.status_code == 400  # not a step of this case's protocols
    other = new_case(harm_types=["online_radicalisation"])
    page = client.get(f"/en/staff/amane/cases/{other.number}/").content.decode()
    assert "Listen, reassure, and check for immediate danger." in page  # the general one


def test_unassigned_caseworker_and_other_org_cannot_tick(signed_in: Any, world: World) -> None:
    case = new_case()
    for member in [world.bob, world.charlie]:
        response = signed_in(member).post(
            f"/en/staff/amane/cases/{case.number}/protocol/sexual_extortion-1/"
        )
        assert response.status_code == 404
    assert not ProtocolTick.objects.exists()


def test_org_admin_edits_a_protocol_in_three_languages(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    assert alice.get("/en/staff/amane/protocols/").status_code == 200
    assert signed_in(world.bob).get("/en/staff/amane/protocols/").status_code == 403
    assert signed_in(world.charlie).get("/en/staff/amane/protocols/").status_code == 404
    before = Protocol.objects.get(organisation=world.amane, harm_type="cyberbullying").steps
    data = {"harm_type": "cyberbullying", "ar": "أ\nب", "fr": "A\nB", "en": "A\nB\nC"}
    assert alice.post("/en/staff/amane/protocols/", data).status_code == 400  # uneven lines
    assert Protocol.objects.get(organisation=world.amane, harm_type="cyberbullying").steps == before
    data["en"] = "Listen first\nCall the school"
    assert alice.post("/en/staff/amane/protocols/", data).status_code == 302
    steps = Protocol.objects.get(organisation=world.amane, harm_type="cyberbullying").steps
    assert [s["en"] for s in steps] == ["Listen first", "Call the school"]
    assert steps[0]["id"] == before[0]["id"]  # ids kept: earlier ticks still point right
    assert (
        alice.post("/en/staff/amane/protocols/", {**data, "harm_type": "nonsense"}).status_code
        == 400
    )
    # Another organisation's protocols are untouched.
    assert organisation_protocols(world.jordan)["cyberbullying"].steps[0]["en"] != "Listen first"
