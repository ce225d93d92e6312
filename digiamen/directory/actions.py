"""Changes to the directory: every one checked, atomic and audited.

Views validate forms and call these; the HSDS import writes through its own module but keeps
the same rules (``directory.places`` for area codes, ``directory.validation`` for texts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Role, User
from digiamen.core import audit
from digiamen.core.errors import ActionError
from digiamen.directory import places
from digiamen.directory.models import (
    AddedArea,
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from digiamen.directory.permissions import is_coordinator, may_keep, may_see_confidential
from digiamen.directory.taxonomy import ServiceStatus


class DirectoryError(ActionError):
    messages = {
        "not_keeper": _("Only the organisation's admins or a network coordinator can change this."),
        "not_coordinator": _("Only a network coordinator can do this."),
        "owned_already": _("Your organisation has a directory entry already."),
        "unknown_area": _("This area is not known."),
        "area_of_other_country": _("This area is not an area of the location's country."),
        "no_area": _("Choose at least one area the service covers."),
        "location_of_other_organisation": _("This location belongs to another organisation."),
        "confidential_location": _(
            "Only the organisation's own admins can change a confidential location."
        ),
        "area_exists": _("An area with this code exists already."),
        "same_status": _("The service has this status already."),
        "unknown_status": _("This status is not one of the allowed choices."),
    }


@dataclass
class ServiceDetails:
    """What the service form gives, beyond the model's own fields."""

    areas: list[str]
    languages: list[str] = field(default_factory=list)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    phones: list[tuple[str, str]] = field(default_factory=list)
    location_ids: list[Any] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    opens_at: time | None = None
    closes_at: time | None = None
    hours_note: str = ""


def _require_keeper(membership: Membership, organisation: DirectoryOrganisation) -> None:
    if not may_keep(membership, organisation):
        raise DirectoryError("not_keeper")


def area_rows(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(country, admin1) pairs for area codes; a country code stands for the whole country."""
    rows: list[tuple[str, str]] = []
    for code in dict.fromkeys(codes):
        found = places.place(code)
        if found is None:
            raise DirectoryError("unknown_area")
        rows.append((found.country, "" if found.level == 0 else found.code))
    if not rows:
        raise DirectoryError("no_area")
    return rows


@transaction.atomic
def save_directory_organisation(
    membership: Membership,
    organisation: DirectoryOrganisation | None,
    fields: dict[str, Any],
    translations: dict[str, dict[str, str]],
) -> DirectoryOrganisation:
    """Create (owned by the member's organisation, unless a coordinator) or update an entry."""
    actor = membership.user
    if organisation is None:
        if is_coordinator(membership):
            owner = None
        elif membership.role == Role.ORG_ADMIN:
            if DirectoryOrganisation.objects.filter(owner=membership.organisation).exists():
                raise DirectoryError("owned_already")
            owner = membership.organisation
        else:
            raise DirectoryError("not_keeper")
        organisation = DirectoryOrganisation(owner=owner)
        verb = "directory.organisation_created"
    else:
        _require_keeper(membership, organisation)
        verb = "directory.organisation_updated"
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.translations = translations
    organisation.updated_at = timezone.now()
    organisation.full_clean()
    organisation.save()
    audit.record(verb, actor=actor, organisation=membership.organisation, obj=organisation)
    return organisation


@transaction.atomic
def save_location(
    membership: Membership,
    organisation: DirectoryOrganisation,
    location: Location | None,
    fields: dict[str, Any],
    area: str,
    translations: dict[str, dict[str, str]],
) -> Location:
    """Create or update a location. A confidential one is changed only by the admins of the
    organisation that owns it, so only they can make its address public (audited)."""
    _require_keeper(membership, organisation)
    found = places.place(area)
    if found is None:
        raise DirectoryError("unknown_area")
    creating = location is None
    was_confidential = False
    if location is not None:
        # The form has already written its values on the instance: read what is stored.
        stored = Location.objects.select_for_update().get(pk=location.pk)
        if stored.organisation_id != organisation.pk:
            raise DirectoryError("location_of_other_organisation")
        was_confidential = stored.is_confidential
        if was_confidential and not may_see_confidential(membership, organisation):
            raise DirectoryError("confidential_location")
    location = location or Location(organisation=organisation)
    for name, value in fields.items():
        setattr(location, name, value)
    location.country = found.country
    location.admin1 = "" if found.level == 0 else found.code
    location.translations = translations
    location.full_clean()
    location.save()
    audit.record(
        "directory.location_created" if creating else "directory.location_updated",
        actor=membership.user,
        organisation=membership.organisation,
        obj=location,
        details={"confidential": location.is_confidential},
    )
    if was_confidential and not location.is_confidential:
        # A shelter's address becomes public: on the help page, in exports and the API.
        audit.record(
            "directory.location_made_public",
            actor=membership.user,
            organisation=membership.organisation,
            obj=location,
            details={"admin1": location.admin1},
        )
    return location


@transaction.atomic
def save_service(
    membership: Membership,
    organisation: DirectoryOrganisation,
    service: Service | None,
    fields: dict[str, Any],
    details: ServiceDetails,
) -> Service:
    """Create or update a service with its areas, phones, weekly hours and locations."""
    _require_keeper(membership, organisation)
    rows = area_rows(details.areas)
    locations = list(Location.objects.filter(pk__in=details.location_ids))
    if len(locations) != len(set(details.location_ids)) or any(
        location.organisation_id != organisation.pk for location in locations
    ):
        raise DirectoryError("location_of_other_organisation")
    sees_confidential = may_see_confidential(membership, organisation)
    if not sees_confidential and any(location.is_confidential for location in locations):
        raise DirectoryError("confidential_location")
    creating = service is None
    service = service or Service(organisation=organisation)
    for name, value in fields.items():
        setattr(service, name, value)
    service.languages = list(details.languages)
    service.translations = details.translations
    service.updated_at = timezone.now()
    service.full_clean()
    service.save()

    service.areas.all().delete()
    ServiceArea.objects.bulk_create(
        ServiceArea(service=service, country=country, admin1=admin1) for country, admin1 in rows
    )
    service.phones.all().delete()
    Phone.objects.bulk_create(
        Phone(service=service, number=number, type=kind, order=order)
        for order, (number, kind) in enumerate(details.phones)
    )
    service.schedules.all().delete()
    if details.days or details.hours_note:
        Schedule.objects.create(
            service=service,
            byday=",".join(details.days),
            opens_at=details.opens_at,
            closes_at=details.closes_at,
            description=details.hours_note,
        )
    dropped = service.at_locations.exclude(location__in=locations)
    if not sees_confidential:
        # This member was never offered the shelters as choices: their links stay.
        dropped = dropped.exclude(location__is_confidential=True)
    dropped.delete()
    linked = set(service.at_locations.values_list("location_id", flat=True))
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(service=service, location=location)
        for location in locations
        if location.pk not in linked
    )
    audit.record(
        "directory.service_created" if creating else "directory.service_updated",
        actor=membership.user,
        organisation=membership.organisation,
        obj=service,
        details={"service_type": service.service_type, "areas": len(rows)},
    )
    return service


@transaction.atomic
def set_service_status(membership: Membership, service: Service, status: str) -> Service:
    """Deactivate, close or reopen a service; referrals to a non-active service are refused."""
    service = Service.objects.select_for_update().select_related("organisation").get(pk=service.pk)
    _require_keeper(membership, service.organisation)
    if status not in ServiceStatus.values:
        raise DirectoryError("unknown_status")
    if service.status == status:
        raise DirectoryError("same_status")
    previous, service.status = service.status, status
    service.updated_at = timezone.now()
    service.save(update_fields=["status", "updated_at"])
    audit.record(
        "directory.service_status",
        actor=membership.user,
        organisation=membership.organisation,
        obj=service,
        details={"from": previous, "to": status},
    )
    return service


@transaction.atomic
def verify_service(membership: Membership, service: Service) -> Service:
    """A network coordinator confirms the entry is still right (HSDS assured_date)."""
    if not is_coordinator(membership):
        raise DirectoryError("not_coordinator")
    user: User = membership.user
    service.last_verified_at = timezone.now()
    service.last_verified_by = user
    service.assurer_email = user.email
    service.save(update_fields=["last_verified_at", "last_verified_by", "assurer_email"])
    audit.record(
        "directory.service_verified",
        actor=user,
        organisation=membership.organisation,
        obj=service,
    )
    return service


@transaction.atomic
def add_area(
    membership: Membership, *, code: str, country: str, parent: str, names: dict[str, str]
) -> AddedArea:
    """An org admin or coordinator adds an admin-2 area, or an admin-1 area of another country."""
    if membership.role not in (Role.ORG_ADMIN, Role.NETWORK_COORDINATOR):
        raise DirectoryError("not_keeper")
    if places.place(code) is not None:
        raise DirectoryError("area_exists")
    if parent and not places.area_in_country(parent, country):
        raise DirectoryError("area_of_other_country")
    parent_place = places.place(parent) if parent else None
    level = (parent_place.level + 1) if parent_place else 1
    added = AddedArea.objects.create(
        code=code,
        country=country,
        parent=parent,
        level=level,
        names=names,
        added_by=membership.user,
    )
    audit.record(
        "directory.area_added",
        actor=membership.user,
        organisation=membership.organisation,
        obj=added,
        details={"code": code, "level": level},
    )
    return added
