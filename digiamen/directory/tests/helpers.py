"""Small factories for directory tests."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Organisation
from digiamen.directory.models import DirectoryOrganisation, Location, Phone, Service, ServiceArea


def make_directory_organisation(
    name: str = "Amane", country: str = "MA", owner: Organisation | None = None
) -> DirectoryOrganisation:
    return DirectoryOrganisation.objects.create(
        name=name, description=f"{name} helps children.", country=country, owner=owner
    )


def make_service(
    organisation: DirectoryOrganisation | None = None,
    *,
    name: str = "Listening line",
    service_type: str = "child_helpline",
    areas: list[str] | None = None,
    phone: str = "+212 5 22 00 00 00",
    **fields: Any,
) -> Service:
    """A service covering ``areas`` (admin-1 codes, or a country code for the whole country)."""
    organisation = organisation or make_directory_organisation()
    service = Service.objects.create(
        organisation=organisation, name=name, service_type=service_type, **fields
    )
    for code in areas if areas is not None else [organisation.country]:
        country = code[:2]
        ServiceArea.objects.create(
            service=service, country=country, admin1="" if len(code) == 2 else code
        )
    if phone:
        Phone.objects.create(service=service, number=phone)
    return service


def make_location(
    organisation: DirectoryOrganisation, *, admin1: str, confidential: bool = False, **fields: Any
) -> Location:
    return Location.objects.create(
        organisation=organisation,
        country=admin1[:2],
        admin1=admin1,
        is_confidential=confidential,
        **fields,
    )
