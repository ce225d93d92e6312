"""What a staff page shows of a location to one member.

Pages never get a confidential ``Location`` of another organisation: they get a
``ShownLocation`` built here, which for such a place holds only that it exists, its kind and
its area. A template cannot then print the address, coordinates, name, directions or phones
by mistake, because the object it receives does not have them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from digiamen.accounts.models import Membership
from digiamen.directory import places
from digiamen.directory.models import DirectoryOrganisation, Location
from digiamen.directory.permissions import may_keep, may_see_confidential


@dataclass(frozen=True)
class ShownLocation:
    pk: UUID
    kind: str  # the location type's label
    area: str  # the name of its admin area (or country)
    is_confidential: bool
    # A confidential location of another organisation: only the three fields above are set.
    withheld: bool
    may_edit: bool
    name: str = ""
    address: str = ""
    city: str = ""
    wheelchair_access: bool = False


def shown_locations(
    membership: Membership, organisation: DirectoryOrganisation, locations: Iterable[Location]
) -> list[ShownLocation]:
    """The organisation's ``locations`` as this member may see them."""
    sees_confidential = may_see_confidential(membership, organisation)
    keeps = may_keep(membership, organisation)
    shown = []
    for location in locations:
        kind = str(location.get_location_type_display())
        area = places.place_name(location.admin1 or location.country)
        if location.is_confidential and not sees_confidential:
            shown.append(
                ShownLocation(
                    pk=location.pk,
                    kind=kind,
                    area=area,
                    is_confidential=True,
                    withheld=True,
                    may_edit=False,
                )
            )
            continue
        shown.append(
            ShownLocation(
                pk=location.pk,
                kind=kind,
                area=area,
                is_confidential=location.is_confidential,
                withheld=False,
                may_edit=sees_confidential if location.is_confidential else keeps,
                name=location.local_name,
                address=location.address_1,
                city=location.city,
                wheelchair_access=location.wheelchair_access,
            )
        )
    return shown
