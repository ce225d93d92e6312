"""Checking a document's plan against the directory, once it is read.

A record in the file replaces the one with its id, so an id may not be another record's: a
location of another organisation, a phone, schedule, area or link of a record not in the file,
or a confidential location (never exported, so no file can rightly name one). References to
organisations and locations must be in the file or the directory. Problems are noted on the
``Reader`` that read the document, with the place it read them from.
"""

from __future__ import annotations

from digiamen.directory.actions import DirectoryError
from digiamen.directory.hsds_plan import PhonePlan, Plan, uuids
from digiamen.directory.hsds_problems import TAKEN_ID, UNKNOWN_LOCATION, UNKNOWN_ORGANISATION
from digiamen.directory.hsds_reader import Reader
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    ServiceArea,
    ServiceAtLocation,
)


def check_against_directory(reader: Reader, plan: Plan) -> None:
    known_organisations = set(plan.organisations) | {
        str(pk)
        for pk in DirectoryOrganisation.objects.filter(
            pk__in=[s.organisation_id for s in plan.services.values() if s.organisation_id]
        ).values_list("pk", flat=True)
    }
    existing_locations: dict[str, str] = {}
    # Confidential locations are never exported, so no file can rightly name one: a file that
    # does is refused, or an import would rewrite a shelter's address or link to it.
    confidential: set[str] = set()
    for pk, organisation_id, is_confidential in Location.objects.filter(
        pk__in=[
            *plan.locations,
            *(loc for s in plan.services.values() for _i, loc, _d in s.links if loc),
        ]
    ).values_list("pk", "organisation_id", "is_confidential"):
        existing_locations[str(pk)] = str(organisation_id)
        if is_confidential:
            confidential.add(str(pk))
    for service in plan.services.values():
        item, where = service.source
        if service.organisation_id and service.organisation_id not in known_organisations:
            reader.note(item, where, "organization_id", UNKNOWN_ORGANISATION)
        for _link_id, location_id, _description in service.links:
            if not location_id:
                continue  # already reported as not a UUID
            owner = (
                plan.locations[location_id].organisation_id
                if location_id in plan.locations
                else existing_locations.get(location_id)
            )
            if owner is None or location_id in confidential:
                reader.note(item, where, "service_at_locations", UNKNOWN_LOCATION)
            elif owner != service.organisation_id:
                reader.note(
                    item,
                    where,
                    "service_at_locations",
                    DirectoryError.messages["location_of_other_organisation"],
                )
    for location in plan.locations.values():
        owner = existing_locations.get(location.id)
        if location.id in confidential or (owner is not None and owner != location.organisation_id):
            item, where = location.source
            reader.note(item, where, "organization_id", TAKEN_ID)
    _check_child_ids(reader, plan)


def _check_child_ids(reader: Reader, plan: Plan) -> None:
    """Phones, schedules, areas and links in the file may not take another record's id."""
    services, locations, organisations = (
        uuids(plan.services),
        uuids(plan.locations),
        uuids(plan.organisations),
    )
    phone_ids = [p.id for group in _all_phones(plan) for p in group if p.id]
    schedule_ids = [
        s.id
        for group in [
            *(x.schedules for x in plan.services.values()),
            *(x.schedules for x in plan.locations.values()),
        ]
        for s in group
        if s.id
    ]
    area_ids = [a[0] for s in plan.services.values() for a in s.areas if a[0]]
    link_ids = [link[0] for s in plan.services.values() for link in s.links if link[0]]
    taken = [
        *Phone.objects.filter(pk__in=phone_ids)
        .exclude(service_id__in=services)
        .exclude(location_id__in=locations)
        .exclude(organisation_id__in=organisations)
        .values_list("pk", flat=True),
        *Schedule.objects.filter(pk__in=schedule_ids)
        .exclude(service_id__in=services)
        .exclude(location_id__in=locations)
        .values_list("pk", flat=True),
        *ServiceArea.objects.filter(pk__in=area_ids)
        .exclude(service_id__in=services)
        .values_list("pk", flat=True),
        *ServiceAtLocation.objects.filter(pk__in=link_ids)
        .exclude(service_id__in=services)
        .values_list("pk", flat=True),
    ]
    for pk in taken:
        reader.note({}, str(pk), "id", TAKEN_ID)


def _all_phones(plan: Plan) -> list[list[PhonePlan]]:
    return [
        *(o.phones for o in plan.organisations.values()),
        *(loc.phones for loc in plan.locations.values()),
        *(s.phones for s in plan.services.values()),
    ]
