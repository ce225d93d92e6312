"""Every directory page and export, as every role of the organisation that owns an entry, as
every role of another organisation (a network coordinator of another organisation included),
and anonymously: who gets the page, who gets 404, and that a confidential location's address
is in an answer only for the owner's org admins.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from django.test import Client

from digiamen.accounts.models import Role
from digiamen.conftest import Member, World, sign_in
from digiamen.directory.tests.helpers import (
    make_directory_organisation,
    make_location,
    make_service,
)

SHELTER_ADDRESS = "17 Hidden Shelter Lane"
SHELTER_NAME = "Dar Sirr house"

# (organisation slug, role) -> allowed?
Rule = Callable[[str, str], bool]

READERS = set(Role.values) - {Role.PLATFORM_LIAISON}
KEEPERS = {Role.ORG_ADMIN, Role.NETWORK_COORDINATOR}


def readers(org: str, role: str) -> bool:
    return role in READERS


def keepers(org: str, role: str) -> bool:
    return role in KEEPERS


def entry_keepers(org: str, role: str) -> bool:
    """The owner's admins and every network coordinator keep the entry and its public parts."""
    return role == Role.NETWORK_COORDINATOR or (org == "amane" and role == Role.ORG_ADMIN)


def owner_admins(org: str, role: str) -> bool:
    """A confidential location: the owner's org admins only."""
    return org == "amane" and role == Role.ORG_ADMIN


def casework(org: str, role: str) -> bool:
    return role in {Role.CASEWORKER, Role.SUPERVISOR}


def _text(response: object) -> str:
    content: bytes = response.content  # type: ignore[attr-defined]
    if response["Content-Type"] == "application/zip":  # type: ignore[index]
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "".join(package.read(name).decode() for name in package.namelist())
    return content.decode()


def test_directory_permission_matrix_with_another_organisations_coordinator(
    world: World,
) -> None:
    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    shelter = make_location(
        entry, admin1="MA-04", confidential=True, name=SHELTER_NAME, address_1=SHELTER_ADDRESS
    )
    office = make_location(entry, admin1="MA-04", name="Amane office", address_1="4 Open Avenue")
    service = make_service(entry, name="Amane safe house", areas=["MA-04"])
    service.at_locations.create(location=shelter)
    service.at_locations.create(location=office)

    base = "/en/staff/{org}/directory/"
    pages: dict[str, Rule] = {
        "": readers,
        f"organisations/{entry.pk}/": readers,
        f"services/{service.pk}/": readers,
        "organisations/new/": keepers,
        f"organisations/{entry.pk}/edit/": entry_keepers,
        f"organisations/{entry.pk}/services/new/": entry_keepers,
        f"organisations/{entry.pk}/locations/new/": entry_keepers,
        f"services/{service.pk}/edit/": entry_keepers,
        f"locations/{office.pk}/edit/": entry_keepers,
        f"locations/{shelter.pk}/edit/": owner_admins,
        "areas/": keepers,
        "coverage/": keepers,
        "coverage/?country=MA": keepers,
        "boundaries/": keepers,
        "exchange/": keepers,
        "exchange/json/": keepers,
        "exchange/datapackage/": keepers,
    }
    # Pages that show the shelter in full to whoever may see it.
    shows_shelter = {f"organisations/{entry.pk}/", f"services/{service.pk}/"}
    shows_shelter.add(f"locations/{shelter.pk}/edit/")
    referral_pages: dict[str, Rule] = {"/en/staff/{org}/referrals/": casework}

    members: dict[tuple[str, str], Member] = {}
    for org, organisation in (("amane", world.amane), ("jordan", world.jordan)):
        for role in Role.values:
            members[(org, role)] = world.add_member(f"{org}-{role}", organisation, role)
    assert members[("jordan", Role.NETWORK_COORDINATOR)]  # another organisation's coordinator

    checked = 0
    for (org, role), member in members.items():
        client = Client()
        sign_in(client, member)
        urls = {base.format(org=org) + path: (rule, path) for path, rule in pages.items()}
        urls.update({url.format(org=org): (rule, url) for url, rule in referral_pages.items()})
        for url, (rule, path) in urls.items():
            response = client.get(url)
            allowed = rule(org, role)
            # The organisation's own pages: refused to its other roles with 403 (the roles
            # that may are named) or 404.
            status = response.status_code
            assert status == 200 if allowed else status in (403, 404), (org, role, url)
            text = _text(response)
            if owner_admins(org, role):
                if path in shows_shelter:
                    assert SHELTER_ADDRESS in text, (org, role, url)
            else:
                assert SHELTER_ADDRESS not in text, (org, role, url)
                assert SHELTER_NAME not in text, (org, role, url)
            checked += 1
    for path in [*pages, *referral_pages]:
        url = path.format(org="amane") if path.startswith("/") else base.format(org="amane") + path
        response = Client().get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"], url
    assert checked == len(members) * (len(pages) + len(referral_pages))
