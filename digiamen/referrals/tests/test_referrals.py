"""Referrals from a case: suggestions, consent, the slip, the receiving queue, answers, outcomes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts import actions as account_actions
from digiamen.cases.models import Case, CaseEvent
from digiamen.cases.tests.helpers import new_case
from digiamen.cases.tests.test_api import post, token_for
from digiamen.conftest import Member, World, make_member
from digiamen.core.models import AuditEvent
from digiamen.directory.models import Service
from digiamen.directory.tests.helpers import (
    make_directory_organisation,
    make_location,
    make_service,
)
from digiamen.referrals import actions as referrals
from digiamen.referrals.models import Referral

REASON = "Needs help removing the images; the family is ready to go."


@dataclass
class Scene:
    case: Case
    sara: Member  # supervisor at Amane, who refers
    lina: Member  # caseworker at Casa, the receiving organisation
    legal: Service  # Casa's legal aid in Casablanca-Settat: on the platform
    takedown: Service  # country-wide, off the platform
    awareness: Service
    closed: Service
    teens: Service


@pytest.fixture
def scene(world: World) -> Scene:
    casa = account_actions.create_organisation(slug="casa", name="Casa legal", country="MA")
    lina = make_member("lina", casa.organisation, casa.private_key, "caseworker")
    sara = world.add_member("sara", world.amane, "supervisor")
    casa_entry = make_directory_organisation("Casa legal", "MA", owner=casa.organisation)
    legal = make_service(
        casa_entry,
        name="Casa legal aid",
        service_type="legal_aid",
        areas=["MA-06"],
        phone="+212 5 22 11 11 11",
    )
    shelter = make_location(casa_entry, admin1="MA-06", confidential=True, address_1="9 Hidden")
    office = make_location(casa_entry, admin1="MA-06", address_1="4 Open Avenue")
    legal.at_locations.create(location=shelter)
    legal.at_locations.create(location=office)
    network = make_directory_organisation("National network", "MA")
    takedown = make_service(
        network,
        name="Takedown desk",
        service_type="digital_evidence_and_takedown",
        areas=["MA"],
    )
    awareness = make_service(
        network, name="Awareness club", service_type="education_and_awareness", areas=["MA-06"]
    )
    closed = make_service(network, name="Closed clinic", areas=["MA-06"], status="inactive")
    teens = make_service(network, name="Older teens only", areas=["MA-06"], minimum_age=15)
    make_service(network, name="Rabat only", service_type="legal_aid", areas=["MA-04"])
    case = new_case(
        admin1="MA-06",
        age_band="12_14",
        consent_referral=True,
        consent_contact=True,
        harm_types=["sexual_extortion"],
    )
    return Scene(case, sara, lina, legal, takedown, awareness, closed, teens)


def _page(case: Case) -> str:
    return f"/en/staff/amane/cases/{case.number}/referrals/"


def test_suggestions_put_the_area_and_the_needs_first(scene: Scene) -> None:
    names = [s.service.name for s in referrals.suggest_services(scene.case)]
    assert names == ["Casa legal aid", "Takedown desk", "Awareness club"]
    legal, takedown, awareness = referrals.suggest_services(scene.case)
    assert legal.in_area and legal.meets_need
    assert awareness.in_area and not awareness.meets_need
    assert not takedown.in_area and takedown.meets_need
    only = referrals.suggest_services(scene.case, service_type="digital_evidence_and_takedown")
    assert [s.service.name for s in only] == ["Takedown desk"]


def test_needs_follow_harm_and_disability() -> None:
    needs = referrals.needed_service_types(["sexual_extortion", "cyberbullying"], "yes")
    assert needs[0] == "disability_services"
    assert needs.index("digital_evidence_and_takedown") < needs.index("education_and_awareness")
    assert needs[-2:] == ["psychosocial_support", "child_helpline"]
    assert len(needs) == len(set(needs))


def test_refer_seal_and_print_the_slip(scene: Scene, signed_in: Any) -> None:
    client = signed_in(scene.sara)
    page = client.get(_page(scene.case))
    assert page.status_code == 200
    assert "Casa legal aid" in page.content.decode()
    response = client.post(_page(scene.case), {"service": scene.legal.pk, "reason": REASON})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.status, referral.to_organisation.slug) == ("sent", "casa")
    assert (referral.service_type, referral.admin1) == ("legal_aid", "MA-06")
    assert REASON.encode() not in bytes(referral.sealed_reason)
    assert b"child@example.org" not in bytes(referral.sealed_copy)
    assert CaseEvent.objects.filter(case=scene.case, kind="referred").exists()
    slip = client.get(response["Location"]).content.decode()
    assert REASON in slip
    assert "child@example.org" in slip  # the reporter agreed to be contacted
    assert "4 Open Avenue" in slip
    assert "9 Hidden" not in slip  # never a shelter's address on a slip
    assert "12 to 14 years" in slip
    case_page = client.get(f"/en/staff/amane/cases/{scene.case.number}/").content.decode()
    assert "Casa legal aid" in case_page
    # Already referred: no second form for the same service.
    again = client.get(_page(scene.case)).content.decode()
    assert "Already referred." in again


def test_the_receiver_reads_and_answers_in_its_queue(scene: Scene, signed_in: Any) -> None:
    referral = _referred(scene, signed_in)
    receiver = signed_in(scene.lina, "fr")
    queue = receiver.get("/fr/staff/casa/referrals/").content.decode()
    assert "Casa legal aid" in queue
    assert scene.case.number not in queue  # the sender's case number stays with the sender
    url = f"/fr/staff/casa/referrals/{referral.pk}/"
    detail = receiver.get(url).content.decode()
    assert REASON in detail and "child@example.org" in detail
    assert AuditEvent.objects.filter(action="referral.opened").exists()
    assert receiver.post(url, {"status": "accepted", "version": 1}).status_code == 302
    stale = receiver.post(url, {"status": "completed", "version": 1})
    assert stale.status_code == 409
    wrong = receiver.post(url, {"status": "declined", "version": 2})
    assert wrong.status_code == 400
    assert receiver.post(url, {"status": "completed", "version": 2}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.accepted_at and referral.completed_at and not referral.declined_at
    assert CaseEvent.objects.filter(case=scene.case, kind="referral_completed").exists()
    # The sender follows the answer but cannot answer for an organisation on the platform.
    sender = signed_in(scene.sara)
    assert "Completed" in sender.get(_page(scene.case)).content.decode()
    assert (
        sender.post(
            f"/en/staff/amane/referrals/{referral.pk}/", {"status": "declined", "version": 3}
        ).status_code
        == 404
    )


def _referred(scene: Scene, signed_in: Any, service: Service | None = None) -> Referral:
    response = signed_in(scene.sara).post(
        _page(scene.case), {"service": (service or scene.legal).pk, "reason": REASON}
    )
    assert response.status_code == 302
    return Referral.objects.latest("id")


def test_for_a_service_off_the_platform_the_sender_records_the_answer(
    scene: Scene, signed_in: Any
) -> None:
    referral = _referred(scene, signed_in, scene.takedown)
    assert referral.to_organisation is None and not referral.sealed_copy
    sender = signed_in(scene.sara)
    url = f"/en/staff/amane/referrals/{referral.pk}/"
    assert sender.post(url, {"status": "declined", "version": 1}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "declined" and referral.declined_at


def test_no_referral_without_consent(world: World, scene: Scene, signed_in: Any) -> None:
    case = new_case(admin1="MA-06", consent_referral=False)
    client = signed_in(scene.sara)
    page = client.get(_page(case)).content.decode()
    assert "Consent to referral has not been given" in page
    response = client.post(_page(case), {"service": scene.legal.pk, "reason": REASON})
    assert response.status_code == 400
    assert "Consent does not allow referring" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"reason": REASON},
        {"service": "not-a-uuid", "reason": REASON},
        {"service": "6a0e0d4c-1111-4222-8333-444455556666", "reason": REASON},
        {"reason": "call me \u202egnimoc", "service": "LEGAL"},
        {"reason": "", "service": "LEGAL"},
        {"reason": "x" * 2001, "service": "LEGAL"},
    ],
)
def test_bad_referrals_change_nothing(scene: Scene, signed_in: Any, data: dict[str, Any]) -> None:
    if data.get("service") == "LEGAL":
        data = {**data, "service": str(scene.legal.pk)}
    response = signed_in(scene.sara).post(_page(scene.case), data)
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_an_inactive_service_or_a_closed_case_is_refused(scene: Scene, signed_in: Any) -> None:
    client = signed_in(scene.sara)
    response = client.post(_page(scene.case), {"service": scene.closed.pk, "reason": REASON})
    assert response.status_code == 400
    assert "not active" in response.content.decode()
    Case.objects.filter(pk=scene.case.pk).update(status=Case.Status.CLOSED)
    response = client.post(_page(scene.case), {"service": scene.legal.pk, "reason": REASON})
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_who_may_see_what(world: World, scene: Scene, signed_in: Any, client: Client) -> None:
    referral = _referred(scene, signed_in)
    # A caseworker not assigned to the case may not open it, so may not refer.
    assert signed_in(world.bob).get(_page(scene.case)).status_code == 404
    # Another organisation's member, an org admin, and an anonymous visitor.
    assert signed_in(world.charlie).get(_page(scene.case)).status_code == 404
    assert (
        signed_in(world.charlie).get(f"/en/staff/jordan/referrals/{referral.pk}/").status_code
        == 404
    )
    assert signed_in(world.alice).get("/en/staff/amane/referrals/").status_code == 403
    slip = f"/en/staff/amane/cases/{scene.case.number}/referrals/{referral.pk}/slip/"
    assert signed_in(scene.lina).get(slip).status_code == 404
    for url in (_page(scene.case), slip, "/en/staff/amane/referrals/"):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_outcomes_per_service_type_and_area(scene: Scene, signed_in: Any) -> None:
    legal = _referred(scene, signed_in)
    _referred(scene, signed_in, scene.takedown)
    membership = scene.lina.user.memberships.get()
    referrals.answer_referral(membership, legal, status="accepted", version=1)
    legal.refresh_from_db()
    referrals.answer_referral(membership, legal, status="completed", version=2)
    outcomes = {o.service_type: o for o in referrals.referral_outcomes()}
    assert (outcomes["legal_aid"].made, outcomes["legal_aid"].accepted) == (1, 1)
    assert outcomes["legal_aid"].completed == 1 and outcomes["legal_aid"].admin1 == "MA-06"
    takedown = outcomes["digital_evidence_and_takedown"]
    assert (takedown.made, takedown.accepted, takedown.completed) == (1, 0, 0)


def test_api_refer_list_and_answer(world: World, scene: Scene) -> None:
    sender, receiver = token_for(scene.sara), token_for(scene.lina)
    number = scene.case.number
    found = Client().get(f"/api/v1/cases/{number}/referral-suggestions", **sender).json()
    assert [s["name"] for s in found][:1] == ["Casa legal aid"]
    refused = post(
        f"/api/v1/cases/{number}/referrals",
        {"service_id": str(scene.closed.pk), "reason": REASON},
        sender,
    )
    assert refused.status_code == 400 and refused.json()["detail"]
    bad = post(f"/api/v1/cases/{number}/referrals", {"service_id": 5, "reason": ""}, sender)
    assert bad.status_code == 422
    made = post(
        f"/api/v1/cases/{number}/referrals",
        {"service_id": str(scene.legal.pk), "reason": REASON},
        sender,
    )
    assert made.status_code == 201, made.content
    referral = made.json()
    assert referral["status"] == "sent" and referral["on_platform"]
    listed = Client().get(f"/api/v1/cases/{number}/referrals", **sender).json()
    assert [r["id"] for r in listed] == [referral["id"]]
    incoming = Client().get("/api/v1/referrals?direction=in", **receiver).json()
    assert [r["id"] for r in incoming] == [referral["id"]] and incoming[0]["case"] is None
    url = f"/api/v1/referrals/{referral['id']}/status"
    assert post(url, {"status": "accepted", "version": 1}, sender).status_code == 400
    assert post(url, {"status": "accepted", "version": 1}, receiver).status_code == 200
    assert post(url, {"status": "completed", "version": 1}, receiver).status_code == 409
    assert post(url, {"status": "maybe", "version": 2}, receiver).status_code == 422
    outsider = token_for(world.add_member("jamal", world.jordan, "supervisor"))
    assert post(url, {"status": "completed", "version": 2}, outsider).status_code == 404
    assert Client().get(f"/api/v1/cases/{number}/referrals").status_code == 401
    assert (
        json.loads(Client().get("/api/v1/referrals?direction=out", **sender).content)[0]["case"]
        == number
    )
