"""Keeping the directory: who may see and change what, and bad input that changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.core.models import AuditEvent
from digiamen.directory.models import (
    AddedArea,
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


def service_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Sfax listening line",
        "description": "Listens to children.",
        "service_type": "psychosocial_support",
        "status": "active",
        "areas": ["TN-61", "MA"],
        "languages": ["ar", "fr"],
        "free_of_charge": "on",
        "minimum_age": "6",
        "maximum_age": "17",
        "phone_1": "+216 74 000 000",
        "phone_1_type": "voice",
        "phone_2": "",
        "phone_2_type": "voice",
        "days": ["MO", "TU"],
        "opens_at": "09:00",
        "closes_at": "17:00",
        "name_ar": "خط الإصغاء بصفاقس",
    }
    data.update(overrides)
    return data


@pytest.fixture
def amane_entry(world: Any) -> DirectoryOrganisation:
    return make_directory_organisation("Amane", "MA", owner=world.amane)


@pytest.fixture
def jordan_entry(world: Any) -> DirectoryOrganisation:
    return make_directory_organisation("Jordan helpline", "JO", owner=world.jordan)


def test_directory_list_for_members_of_the_organisation(world: Any, signed_in: Any) -> None:
    make_service(name="Listening line", areas=["MA"])
    for member in (world.alice, world.bob):
        response = signed_in(member).get("/en/staff/amane/directory/")
        assert response.status_code == 200
        assert "Listening line" in response.content.decode()


def test_directory_list_of_another_organisation_is_not_found(world: Any, signed_in: Any) -> None:
    assert signed_in(world.charlie).get("/en/staff/amane/directory/").status_code == 404


def test_directory_list_needs_sign_in(world: Any) -> None:
    response = Client().get("/en/staff/amane/directory/")
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


def test_stale_entries_are_flagged_and_filtered(world: Any, signed_in: Any) -> None:
    make_service(name="Fresh line", last_verified_at=timezone.now() - timedelta(days=10))
    make_service(name="Stale line", last_verified_at=timezone.now() - timedelta(days=400))
    page = signed_in(world.alice).get("/en/staff/amane/directory/?needs_verification=on")
    html = page.content.decode()
    assert "Stale line" in html
    assert "Fresh line" not in html
    assert "needs verifying" in html


def test_bad_filter_is_a_clear_400(world: Any, signed_in: Any) -> None:
    response = signed_in(world.alice).get("/en/staff/amane/directory/?service_type=nonsense")
    assert response.status_code == 400


def test_org_admin_adds_their_organisation_once(world: Any, signed_in: Any) -> None:
    client = signed_in(world.alice)
    data = {"name": "Amane", "description": "Helps children.", "country": "MA"}
    response = client.post("/en/staff/amane/directory/organisations/new/", data)
    assert response.status_code == 302
    entry = DirectoryOrganisation.objects.get()
    assert entry.owner == world.amane
    again = client.post("/en/staff/amane/directory/organisations/new/", data)
    assert again.status_code == 400
    assert DirectoryOrganisation.objects.count() == 1


def test_caseworker_cannot_add_an_organisation(world: Any, signed_in: Any) -> None:
    response = signed_in(world.bob).post(
        "/en/staff/amane/directory/organisations/new/",
        {"name": "X", "description": "Y", "country": "MA"},
    )
    assert response.status_code == 403
    assert not DirectoryOrganisation.objects.exists()


def test_org_admin_adds_a_service_with_areas_phones_and_hours(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation
) -> None:
    url = f"/en/staff/amane/directory/organisations/{amane_entry.pk}/services/new/"
    response = signed_in(world.alice).post(url, service_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    service = Service.objects.get()
    assert sorted((a.country, a.admin1) for a in service.areas.all()) == [
        ("MA", ""),
        ("TN", "TN-61"),
    ]
    assert [p.number for p in service.phones.all()] == ["+216 74 000 000"]
    schedule = Schedule.objects.get(service=service)
    assert schedule.byday == "MO,TU"
    assert service.translations == {"ar": {"name": "خط الإصغاء بصفاقس"}}
    assert service.text_in("name", "ar") == "خط الإصغاء بصفاقس"
    assert AuditEvent.objects.filter(action="directory.service_created").count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "evil\u202eenilpleh"},
        {"areas": ["XX-99"]},
        {"areas": []},
        {"service_type": "unknown"},
        {"minimum_age": "12", "maximum_age": "8"},
        {"minimum_age": "-3"},
        {"phone_1": "call me maybe"},
        {"opens_at": "09:00", "closes_at": ""},
        {"name": "x" * 201},
        {"email": "not an email"},
    ],
)
def test_bad_service_input_changes_nothing(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation, overrides: dict[str, Any]
) -> None:
    url = f"/en/staff/amane/directory/organisations/{amane_entry.pk}/services/new/"
    response = signed_in(world.alice).post(url, service_post(**overrides))
    assert response.status_code == 400
    assert not Service.objects.exists()
    assert not Phone.objects.exists()


def test_bad_input_on_edit_leaves_the_service_as_it_was(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation
) -> None:
    service = make_service(amane_entry, name="Original", areas=["MA-06"])
    url = f"/en/staff/amane/directory/services/{service.pk}/edit/"
    response = signed_in(world.alice).post(url, service_post(areas=["MA-06", "ZZ-00"]))
    assert response.status_code == 400
    service.refresh_from_db()
    assert service.name == "Original"
    assert [a.admin1 for a in service.areas.all()] == ["MA-06"]


def test_org_admin_cannot_edit_another_organisations_service(
    world: Any, signed_in: Any, jordan_entry: DirectoryOrganisation
) -> None:
    service = make_service(jordan_entry, name="Jordan line", areas=["JO"])
    client = signed_in(world.alice)
    url = f"/en/staff/amane/directory/services/{service.pk}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, service_post()).status_code == 404
    service.refresh_from_db()
    assert service.name == "Jordan line"


def test_other_organisations_service_is_readable_but_not_editable(
    world: Any, signed_in: Any, jordan_entry: DirectoryOrganisation
) -> None:
    service = make_service(jordan_entry, name="Jordan line", areas=["JO"])
    page = signed_in(world.alice).get(f"/en/staff/amane/directory/services/{service.pk}/")
    assert page.status_code == 200
    assert "Edit the service" not in page.content.decode()


def test_unknown_service_is_not_found(world: Any, signed_in: Any) -> None:
    client = signed_in(world.alice)
    missing = "/en/staff/amane/directory/services/00000000-0000-0000-0000-000000000000/"
    assert client.get(missing).status_code == 404
    assert client.get("/en/staff/amane/directory/services/not-a-uuid/").status_code == 404


def test_deactivating_a_service(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation
) -> None:
    service = make_service(amane_entry, areas=["MA"])
    client = signed_in(world.alice)
    url = f"/en/staff/amane/directory/services/{service.pk}/status/"
    assert client.post(url, {"status": "inactive"}).status_code == 302
    service.refresh_from_db()
    assert service.status == "inactive"
    client.post(url, {"status": "bogus"})
    service.refresh_from_db()
    assert service.status == "inactive"


def test_only_a_network_coordinator_verifies(
    world: Any, signed_in: Any, jordan_entry: DirectoryOrganisation
) -> None:
    service = make_service(jordan_entry, areas=["JO"])
    url = f"/en/staff/amane/directory/services/{service.pk}/verify/"
    assert signed_in(world.alice).post(url).status_code == 403
    service.refresh_from_db()
    assert service.last_verified_at is None
    coordinator = world.add_member("nadia", world.amane, Role.NETWORK_COORDINATOR)
    assert signed_in(coordinator).post(url).status_code == 302
    service.refresh_from_db()
    assert service.last_verified_at is not None
    assert not service.needs_verification
    assert service.last_verified_by == coordinator.user


def test_coordinator_edits_any_entry(
    world: Any, signed_in: Any, jordan_entry: DirectoryOrganisation
) -> None:
    service = make_service(jordan_entry, areas=["JO"])
    coordinator = world.add_member("nadia", world.amane, Role.NETWORK_COORDINATOR)
    url = f"/en/staff/amane/directory/services/{service.pk}/edit/"
    response = signed_in(coordinator).post(url, service_post(name="Renamed", areas=["JO-AM"]))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Renamed"


def test_confidential_address_is_hidden_from_other_organisations(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation
) -> None:
    make_location(
        amane_entry, admin1="MA-04", confidential=True, name="Safe house", address_1="12 Secret St"
    )
    url = f"/en/staff/{{org}}/directory/organisations/{amane_entry.pk}/"
    own = signed_in(world.alice).get(url.format(org="amane")).content.decode()
    assert "12 Secret St" in own
    other = signed_in(world.charlie).get(url.format(org="jordan"))
    assert other.status_code == 200
    assert "12 Secret St" not in other.content.decode()
    assert "known only to the organisation" in other.content.decode()


def test_location_in_an_unknown_area_is_refused(
    world: Any, signed_in: Any, amane_entry: DirectoryOrganisation
) -> None:
    url = f"/en/staff/amane/directory/organisations/{amane_entry.pk}/locations/new/"
    data = {"location_type": "physical", "name": "Office", "area": "XX-12"}
    assert signed_in(world.alice).post(url, data).status_code == 400
    assert not Location.objects.exists()
    data["area"] = "MA-04"
    assert signed_in(world.alice).post(url, data).status_code == 302
    location = Location.objects.get()
    assert (location.country, location.admin1) == ("MA", "MA-04")


def test_adding_an_admin2_area(world: Any, signed_in: Any) -> None:
    client = signed_in(world.alice)
    data = {
        "country": "MA",
        "parent": "MA-06",
        "code": "MA0601",
        "name_ar": "عمالة الدار البيضاء",
        "name_fr": "Préfecture de Casablanca",
        "name_en": "Casablanca prefecture",
    }
    assert client.post("/en/staff/amane/directory/areas/", data).status_code == 302
    added = AddedArea.objects.get()
    assert (added.level, added.parent) == (2, "MA-06")
    # The new area can now be chosen for a service.
    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    url = f"/en/staff/amane/directory/organisations/{entry.pk}/services/new/"
    assert client.post(url, service_post(areas=["MA0601"])).status_code == 302


@pytest.mark.parametrize(
    "overrides",
    [
        {"parent": "TN-61"},  # an area of another country
        {"parent": ""},  # Morocco's regions are built in
        {"code": "TN0601"},  # the code of another country
        {"code": "MA-06"},  # exists already
        {"name_en": "\u202ebad"},
    ],
)
def test_bad_area_changes_nothing(world: Any, signed_in: Any, overrides: dict[str, str]) -> None:
    data = {
        "country": "MA",
        "parent": "MA-06",
        "code": "MA0601",
        "name_ar": "أ",
        "name_fr": "b",
        "name_en": "c",
        **overrides,
    }
    response = signed_in(world.alice).post("/en/staff/amane/directory/areas/", data)
    assert response.status_code == 400
    assert not AddedArea.objects.exists()


def test_areas_page_is_for_admins_only(world: Any, signed_in: Any) -> None:
    assert signed_in(world.bob).get("/en/staff/amane/directory/areas/").status_code == 403
    assert signed_in(world.charlie).get("/en/staff/amane/directory/areas/").status_code == 404
    assert Client().get("/en/staff/amane/directory/areas/").status_code == 302
