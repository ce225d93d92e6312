"""A confidential location (a shelter) stays with its organisation.

Only the org admins of the organisation that owns the entry see or change where it is. A
network coordinator, an org admin or a caseworker of another organisation (and the owner's
own caseworkers and coordinators), and the public, see at most that a confidential place
exists, its kind and its area: never its name, address, town, coordinates, directions or
phones. Every page, export and API answer that shows a location is checked here.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts.models import Membership, Role
from digiamen.cases.tests.helpers import new_case
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import Member, World
from digiamen.core.models import AuditEvent
from digiamen.directory import actions, hsds, hsds_import, tabular
from digiamen.directory.hsds_import import TAKEN_ID, UNKNOWN_LOCATION, HsdsImportError
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
)
from digiamen.directory.tests.helpers import (
    make_directory_organisation,
    make_location,
    make_service,
)
from digiamen.intake.tests.helpers import STEP_ANSWERS, walk
from digiamen.referrals.models import Referral

SHELTER_ADDRESS = "17 Hidden Shelter Lane"
# Everything that says where the shelter is; none of it may reach anyone but the owner's admins.
WHERE = [
    SHELTER_ADDRESS,
    "Dar Sirr house",  # its name
    "Temara",  # its town
    "33.917",  # its latitude
    "6.912",  # its longitude
    "bus 7",  # how to get there
    "600 111 222",  # its own phone
    "Blue door",  # its description
]
AREA = "Rabat-Sale-Kenitra"  # MA-04: others may know the area


@dataclass
class Scene:
    entry: DirectoryOrganisation
    shelter: Location
    office: Location
    service: Service
    alice: Member  # org admin of Amane, the owner: the only one who sees the address
    bob: Member  # caseworker of Amane
    amane_coordinator: Member
    nadia: Member  # network coordinator of the Jordan helpline: another organisation
    jamal: Member  # org admin of the Jordan helpline
    charlie: Member  # caseworker of the Jordan helpline


@pytest.fixture
def scene(world: World) -> Scene:
    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    shelter = make_location(
        entry,
        admin1="MA-04",
        confidential=True,
        name="Dar Sirr house",
        description="Blue door",
        address_1=SHELTER_ADDRESS,
        city="Temara",
        postal_code="12000",
        latitude=Decimal("33.917123"),
        longitude=Decimal("-6.912345"),
        transportation="Take bus 7 to the end",
    )
    Phone.objects.create(location=shelter, number="+212 600 111 222")
    Schedule.objects.create(location=shelter, byday="MO", opens_at=time(8), closes_at=time(9))
    office = make_location(entry, admin1="MA-04", name="Amane office", address_1="4 Open Avenue")
    service = make_service(
        entry, name="Amane safe house", service_type="safe_accommodation", areas=["MA-04"]
    )
    service.at_locations.create(location=shelter)
    service.at_locations.create(location=office)
    return Scene(
        entry=entry,
        shelter=shelter,
        office=office,
        service=service,
        alice=world.alice,
        bob=world.bob,
        amane_coordinator=world.add_member("amina", world.amane, Role.NETWORK_COORDINATOR),
        nadia=world.add_member("nadia", world.jordan, Role.NETWORK_COORDINATOR),
        jamal=world.add_member("jamal", world.jordan, Role.ORG_ADMIN),
        charlie=world.charlie,
    )


def assert_nowhere(text: str, what: str = "") -> None:
    for secret in WHERE:
        assert secret not in text, (what, secret)


def org_slug(member: Member) -> str:
    return Membership.objects.get(user=member.user).organisation.slug


def location_pages(scene: Scene, member: Member) -> dict[str, str]:
    """The staff pages that show the shelter, as ``member`` sees them (all answer 200)."""
    slug = org_slug(member)
    client = Client()
    from digiamen.conftest import sign_in

    sign_in(client, member)
    pages = {}
    for url in (
        f"/en/staff/{slug}/directory/organisations/{scene.entry.pk}/",
        f"/en/staff/{slug}/directory/services/{scene.service.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


# Pages --------------------------------------------------------------------------------------


def test_confidential_location_address_shown_to_owner_org_admin(
    scene: Scene, signed_in: Any
) -> None:
    for url, html in location_pages(scene, scene.alice).items():
        assert SHELTER_ADDRESS in html, url
        assert "Dar Sirr house" in html, url
    client = signed_in(scene.alice)
    form = client.get(f"/en/staff/amane/directory/locations/{scene.shelter.pk}/edit/")
    assert form.status_code == 200
    assert f'value="{SHELTER_ADDRESS}"' in form.content.decode()
    assert 'name="is_confidential"' in form.content.decode()


@pytest.mark.parametrize(
    "who", ["nadia", "jamal", "charlie", "bob", "amane_coordinator"], ids=lambda who: who
)
def test_confidential_location_address_hidden_from_everyone_but_the_owner_admin(
    scene: Scene, who: str
) -> None:
    """Another organisation's coordinator, admin and caseworker, and the owner's own
    caseworkers and coordinators: that a confidential place exists, its kind and area only."""
    for url, html in location_pages(scene, getattr(scene, who)).items():
        assert_nowhere(html, url)
        assert "A confidential location" in html, url
        assert "A place people visit" in html, url  # its kind
        assert AREA in html, url
        assert "4 Open Avenue" in html, url  # the public location is shown as ever
        # No way to its edit form, which holds the address.
        assert f"/locations/{scene.shelter.pk}/edit/" not in html, url


def test_confidential_location_address_hidden_from_other_org_coordinator(
    scene: Scene, signed_in: Any
) -> None:
    """The attack that was found: a coordinator of another organisation opened the location's
    edit form and read ``value="<address>"``; could save it and untick "confidential"."""
    client = signed_in(scene.nadia)
    url = f"/en/staff/jordan/directory/locations/{scene.shelter.pk}/edit/"
    get = client.get(url)
    assert get.status_code == 404
    assert_nowhere(get.content.decode(), url)
    post = client.post(
        url,
        {"location_type": "physical", "name": "Moved", "address_1": "1 Public St", "area": "MA-04"},
    )
    assert post.status_code == 404
    scene.shelter.refresh_from_db()
    assert scene.shelter.is_confidential
    assert (scene.shelter.name, scene.shelter.address_1) == ("Dar Sirr house", SHELTER_ADDRESS)
    assert not AuditEvent.objects.filter(action__startswith="directory.location").exists()


@pytest.mark.parametrize("who", ["jamal", "charlie", "bob", "amane_coordinator"])
def test_confidential_location_edit_refused_to_all_but_the_owner_admin(
    scene: Scene, signed_in: Any, who: str
) -> None:
    member = getattr(scene, who)
    slug = org_slug(member)
    client = signed_in(member)
    url = f"/en/staff/{slug}/directory/locations/{scene.shelter.pk}/edit/"
    # Caseworkers are told the page is not for their role (403); an admin or coordinator
    # who may edit their own organisation's places does not find this one (404).
    refused = 403 if who in ("charlie", "bob") else 404
    assert client.get(url).status_code == refused
    data = {"location_type": "physical", "address_1": "1 Public St", "area": "MA-04"}
    assert client.post(url, data).status_code == refused
    scene.shelter.refresh_from_db()
    assert scene.shelter.is_confidential and scene.shelter.address_1 == SHELTER_ADDRESS


def test_confidential_location_edit_needs_sign_in(scene: Scene) -> None:
    url = f"/en/staff/amane/directory/locations/{scene.shelter.pk}/edit/"
    response = Client().get(url)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_confidential_location_other_org_coordinator_still_verifies_and_keeps_the_rest(
    scene: Scene, signed_in: Any
) -> None:
    client = signed_in(scene.nadia)
    verify = client.post(f"/en/staff/jordan/directory/services/{scene.service.pk}/verify/")
    assert verify.status_code == 302
    scene.service.refresh_from_db()
    assert scene.service.last_verified_at is not None
    # A public location of the same organisation: kept by coordinators as before.
    office = client.get(f"/en/staff/jordan/directory/locations/{scene.office.pk}/edit/")
    assert office.status_code == 200
    # The service form does not offer the shelter (its name is a choice label) ...
    edit_url = f"/en/staff/jordan/directory/services/{scene.service.pk}/edit/"
    form = client.get(edit_url).content.decode()
    assert_nowhere(form, edit_url)
    assert str(scene.shelter.pk) not in form
    assert "Amane office" in form
    data = {
        "name": "Amane safe house",
        "service_type": "safe_accommodation",
        "status": "active",
        "areas": ["MA-04"],
        "phone_1_type": "voice",
        "phone_2_type": "voice",
        "locations": [str(scene.office.pk)],
    }
    # ... saving it keeps the service's link to the shelter it never saw ...
    assert client.post(edit_url, data).status_code == 302
    linked = set(scene.service.at_locations.values_list("location_id", flat=True))
    assert linked == {scene.shelter.pk, scene.office.pk}
    # ... and it cannot name the shelter itself.
    refused = client.post(edit_url, {**data, "locations": [str(scene.shelter.pk)]})
    assert refused.status_code == 400
    assert_nowhere(refused.content.decode(), edit_url)


def test_confidential_location_action_refuses_other_org_coordinator(scene: Scene) -> None:
    """The rule is in the action too, not only in the view that calls it."""
    membership = Membership.objects.get(user=scene.nadia.user)
    fields = {"address_1": "1 Public St", "is_confidential": False}
    with pytest.raises(actions.DirectoryError) as refused:
        actions.save_location(membership, scene.entry, scene.shelter, fields, "MA-04", {})
    assert refused.value.code == "confidential_location"
    stored = Location.objects.get(pk=scene.shelter.pk)
    assert stored.is_confidential and stored.address_1 == SHELTER_ADDRESS


def test_confidential_unticked_only_by_owner_admin_and_audited(
    scene: Scene, signed_in: Any
) -> None:
    client = signed_in(scene.alice)
    url = f"/en/staff/amane/directory/locations/{scene.shelter.pk}/edit/"
    data = {
        "location_type": "physical",
        "name": "Dar Sirr house",
        "address_1": SHELTER_ADDRESS,
        "area": "MA-04",
    }  # "is_confidential" not ticked
    assert client.post(url, data).status_code == 302
    scene.shelter.refresh_from_db()
    assert not scene.shelter.is_confidential
    event = AuditEvent.objects.get(action="directory.location_made_public")
    assert event.actor_id == scene.alice.user.pk
    assert event.object_id == str(scene.shelter.pk)
    assert SHELTER_ADDRESS not in json.dumps(event.details)
    # Public now: in the export, as its organisation decided.
    assert SHELTER_ADDRESS in hsds.export_json().decode()
    # Ticking it again is an ordinary change, not a publication.
    assert client.post(url, {**data, "is_confidential": "on"}).status_code == 302
    assert AuditEvent.objects.filter(action="directory.location_made_public").count() == 1


def test_confidential_tick_by_other_org_coordinator_hands_the_address_over(
    scene: Scene, signed_in: Any
) -> None:
    """A coordinator may make a public location confidential; from then on it is the
    organisation's alone, and the coordinator no longer sees or changes it."""
    client = signed_in(scene.nadia)
    url = f"/en/staff/jordan/directory/locations/{scene.office.pk}/edit/"
    form = client.get(url).content.decode()
    assert "no longer see its address" in form
    data = {
        "location_type": "physical",
        "name": "Amane office",
        "address_1": "4 Open Avenue",
        "area": "MA-04",
        "is_confidential": "on",
    }
    assert client.post(url, data).status_code == 302
    assert client.get(url).status_code == 404
    page = client.get(f"/en/staff/jordan/directory/organisations/{scene.entry.pk}/")
    assert "4 Open Avenue" not in page.content.decode()


# Exports, coverage and the public side ------------------------------------------------------


def _download_text(response: Any) -> str:
    if response["Content-Type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as package:
            return "".join(package.read(name).decode() for name in package.namelist())
    return str(response.content.decode())


@pytest.mark.parametrize("who", ["alice", "nadia", "jamal", "amane_coordinator"])
def test_confidential_location_absent_from_exports_for_every_keeper(
    scene: Scene, signed_in: Any, who: str
) -> None:
    """The HSDS JSON and the tabular package (CSV) are the public directory: not even the
    owner's admins get the shelter there (they keep it in the staff pages)."""
    member = getattr(scene, who)
    client = signed_in(member)
    for kind in ("json", "datapackage"):
        url = f"/en/staff/{org_slug(member)}/directory/exchange/{kind}/"
        response = client.get(url)
        assert response.status_code == 200, url
        text = _download_text(response)
        assert "4 Open Avenue" in text
        assert_nowhere(text, url)
        assert str(scene.shelter.pk) not in text


@pytest.mark.parametrize("who", ["alice", "nadia", "jamal"])
def test_confidential_location_absent_from_coverage_and_map(
    scene: Scene, signed_in: Any, who: str
) -> None:
    member = getattr(scene, who)
    url = f"/en/staff/{org_slug(member)}/directory/coverage/?country=MA"
    response = signed_in(member).get(url)
    assert response.status_code == 200
    assert_nowhere(response.content.decode(), url)


def test_confidential_location_absent_from_public_pages_and_api(
    scene: Scene, signed_in: Any
) -> None:
    visitors = {"anonymous": Client(), "other coordinator": signed_in(scene.nadia)}
    for who, client in visitors.items():
        for url in (
            "/en/help/?country=MA&area=MA-04",
            "/api/v1/directory/services?country=MA&area=MA-04",
            f"/api/v1/directory/services/{scene.service.pk}",
        ):
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            text = response.content.decode()
            assert "Amane safe house" in text, (who, url)
            assert "4 Open Avenue" in text, (who, url)
            assert_nowhere(text, f"{who} {url}")
            assert str(scene.shelter.pk) not in text


def test_confidential_location_absent_from_nearby_services_on_the_receipt(scene: Scene) -> None:
    steps = [dict(step) for step in STEP_ANSWERS]
    steps[2] = {**steps[2], "country": "MA", "admin1": "MA-04"}
    receipt = walk(Client(), "/en/report/", steps)
    html = receipt.content.decode()
    assert receipt.status_code == 201
    assert "Amane safe house" in html  # the receipt lists services, never their places
    assert_nowhere(html, "receipt")


def test_confidential_location_absent_from_referral_pages_and_api(
    scene: Scene, world: World, signed_in: Any
) -> None:
    """A Jordan supervisor refers a child to Amane's safe house: the slip, Amane's copy and
    the API never carry the shelter's whereabouts."""
    sara = world.add_member("sara", world.jordan, Role.SUPERVISOR)
    case = new_case("JO", consent_referral=True)
    sender = signed_in(sara)
    page = f"/en/staff/jordan/cases/{case.number}/referrals/"
    form = sender.get(page)
    assert form.status_code == 200
    assert_nowhere(form.content.decode(), page)
    sent = sender.post(page, {"service": scene.service.pk, "reason": "Needs a safe place."})
    assert sent.status_code == 302
    referral = Referral.objects.get()
    slip = sender.get(sent["Location"]).content.decode()
    assert "4 Open Avenue" in slip
    assert_nowhere(slip, "slip")
    received = signed_in(scene.bob).get(f"/en/staff/amane/referrals/{referral.pk}/")
    assert received.status_code == 200
    assert_nowhere(received.content.decode(), "received referral")
    auth = token_for(sara)
    for url in (
        f"/api/v1/cases/{case.number}/referrals",
        f"/api/v1/cases/{case.number}/referral-suggestions",
        "/api/v1/referrals?direction=out",
    ):
        response = Client().get(url, **auth)
        assert response.status_code == 200, url
        assert_nowhere(response.content.decode(), url)


# Import -------------------------------------------------------------------------------------


def _shelter_document(scene: Scene) -> dict[str, Any]:
    """The export with the shelter put back in, as someone who knows its id might write it."""
    document = hsds.export_document()
    organisation = next(o for o in document["organizations"] if o["id"] == str(scene.entry.pk))
    location = hsds.location_json(scene.office)
    location["id"] = str(scene.shelter.pk)
    location["addresses"][0]["address_1"] = "1 Rewritten Street"
    organisation["locations"].append(location)
    return document


def test_confidential_location_not_rewritten_by_an_import(scene: Scene) -> None:
    membership = Membership.objects.get(user=scene.nadia.user)
    with pytest.raises(HsdsImportError) as refused:
        hsds_import.import_document(_shelter_document(scene), membership=membership)
    assert str(TAKEN_ID) in {problem.why for problem in refused.value.problems}
    scene.shelter.refresh_from_db()
    assert scene.shelter.address_1 == SHELTER_ADDRESS and scene.shelter.is_confidential
    # The same through the tabular package.
    package = tabular.export_package(_shelter_document(scene))
    with pytest.raises(HsdsImportError):
        tabular.import_package(package, membership=membership)
    scene.shelter.refresh_from_db()
    assert scene.shelter.address_1 == SHELTER_ADDRESS


def test_confidential_location_not_linked_by_an_import(scene: Scene) -> None:
    other = make_service(scene.entry, name="Another service", areas=["MA-04"])
    document = hsds.export_document()
    service = next(s for s in document["services"] if s["id"] == str(other.pk))
    service["service_at_locations"] = [
        {"id": "5b0f1d3e-0c1a-4a49-9a59-3f3b8c0d9a11", "location_id": str(scene.shelter.pk)}
    ]
    with pytest.raises(HsdsImportError) as refused:
        hsds_import.import_document(document, membership=None)
    assert str(UNKNOWN_LOCATION) in {problem.why for problem in refused.value.problems}
    assert not other.at_locations.exists()
