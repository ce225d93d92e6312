"""Who may do what in the directory.

The directory is shared by the whole instance (the network): everyone on the platform, and
the public for what is not confidential, reads it.

* an org admin keeps the entries of the directory organisation their organisation owns;
* a network coordinator keeps and verifies every entry, and sees coverage network-wide;
* org admins and network coordinators see the coverage matrix and the map;
* other roles see the staff directory read-only (to find a service to refer to).

A confidential location (a shelter) is the exception: only the admins of the organisation that
owns the entry see where it is or change it (``may_see_confidential``). Everyone else, network
coordinators included, sees that it exists, its kind and its area (``directory.shown``).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership
from digiamen.directory.models import DirectoryOrganisation, Location, Service

DIRECTORY_KEEPERS = [Role.ORG_ADMIN, Role.NETWORK_COORDINATOR]
COVERAGE_ROLES = [Role.ORG_ADMIN, Role.NETWORK_COORDINATOR]
DIRECTORY_READERS = [
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.ORG_ADMIN,
    Role.DATA_OFFICER,
    Role.NETWORK_COORDINATOR,
]


def is_coordinator(membership: Membership) -> bool:
    return membership.role == Role.NETWORK_COORDINATOR


def directory_reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, DIRECTORY_READERS)


def directory_keeper(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, DIRECTORY_KEEPERS)


def coordinator(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, [Role.NETWORK_COORDINATOR])


def may_keep(membership: Membership, organisation: DirectoryOrganisation) -> bool:
    """May this member edit this directory organisation and its services and locations?"""
    if is_coordinator(membership):
        return True
    return (
        membership.role == Role.ORG_ADMIN
        and organisation.owner_id is not None
        and organisation.owner_id == membership.organisation_id
    )


def may_see_confidential(membership: Membership, organisation: DirectoryOrganisation) -> bool:
    """May this member see and change where this organisation's confidential locations are?

    Only the owner's org admins: a shelter's address stays with the organisation that runs
    it. A network coordinator keeps every entry but is a member of one organisation, and a
    shelter's address must not reach another one; an entry without an owner has nobody who
    may see it, so a coordinator who marks its location confidential hands the address to no
    one (the entry still says the place exists, its kind and area).
    """
    return (
        membership.role == Role.ORG_ADMIN
        and organisation.owner_id is not None
        and organisation.owner_id == membership.organisation_id
    )


def may_keep_location(membership: Membership, location: Location) -> bool:
    """May this member edit this location? A confidential one only if it is theirs."""
    if location.is_confidential:
        return may_see_confidential(membership, location.organisation)
    return may_keep(membership, location.organisation)


def kept_location(membership: Membership, location_id: UUID | str) -> Location:
    """A location this member may edit, or 404 (also for a shelter of another organisation,
    so that its edit form, which holds the address, is never shown)."""
    try:
        location = Location.objects.select_related("organisation").get(pk=location_id)
    except (Location.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not may_keep_location(membership, location):
        raise Http404
    return location


def kept_organisation(membership: Membership, organisation_id: UUID | str) -> DirectoryOrganisation:
    """A directory organisation this member keeps, or 404."""
    try:
        organisation = DirectoryOrganisation.objects.get(pk=organisation_id)
    except (DirectoryOrganisation.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not may_keep(membership, organisation):
        raise Http404
    return organisation


def kept_service(membership: Membership, service_id: UUID | str) -> Service:
    """A service this member keeps, or 404."""
    try:
        service = Service.objects.select_related("organisation").get(pk=service_id)
    except (Service.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not may_keep(membership, service.organisation):
        raise Http404
    return service
