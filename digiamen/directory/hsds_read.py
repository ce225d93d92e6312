"""Reading an HSDS 3.0 document into a ``Plan``, record by record.

Organisations with their locations, then services with their areas and links to locations (a
link may carry its location, read as the organisation's). Each value goes through the
``Reader``, which notes every problem with where it is; a record whose id was refused is left
out of the plan. What needs the database (ids taken, references to records already in the
directory) is ``hsds_check``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone

from digiamen.directory import hsds, places
from digiamen.directory.actions import DirectoryError
from digiamen.directory.hsds_plan import LocationPlan, OrganisationPlan, Plan, ServicePlan
from digiamen.directory.hsds_problems import (
    AGES_REVERSED,
    NO_ADDRESS,
    NO_COUNTRY,
    NOT_COUNTRY,
    NOT_DATE,
    NOT_DATETIME,
    NOT_DOCUMENT,
    ONE_ADDRESS,
    ONE_TYPE,
    REQUIRED,
    TWICE,
    WRONG_TYPE,
    Problem,
    StopReading,
    too_many_message,
)
from digiamen.directory.hsds_reader import Reader
from digiamen.directory.models import DirectoryOrganisation, Location, Service, ServiceAtLocation
from digiamen.directory.taxonomy import LocationType, ServiceStatus, ServiceType


def _read_organisation(reader: Reader, item: dict[str, Any], where: str, plan: Plan) -> None:
    organisation_id = reader.identifier(item, where, kind="organization")
    fields: dict[str, Any] = {
        "name": reader.model_text(item, where, DirectoryOrganisation, "name", required=True),
        "alternate_name": reader.model_text(item, where, DirectoryOrganisation, "alternate_name"),
        "description": reader.model_text(
            item, where, DirectoryOrganisation, "description", required=True
        ),
        "email": reader.email(item, where, "email"),
        "website": reader.url(item, where, "website"),
        "translations": {},
        "country": "",
    }
    for attribute in reader.attributes(item, where):
        if attribute.taxonomy == hsds.PLACE_TAXONOMY:
            if isinstance(attribute.value, str) and places.is_country(attribute.value):
                fields["country"] = attribute.value
            else:
                reader.note(attribute.item, attribute.where, "value", NOT_COUNTRY)
        elif attribute.taxonomy == hsds.TEXT_TAXONOMY:
            fields["translations"] = reader.translations(attribute)
    organisation = OrganisationPlan(
        id=organisation_id, fields=fields, phones=reader.phones(item, where)
    )
    for location_where, location in reader.objects(item, where, "locations"):
        _read_location(reader, location, location_where, plan, organisation_id)
    if not fields["country"]:
        countries = [
            loc.fields["country"]
            for loc in plan.locations.values()
            if loc.organisation_id == organisation_id and loc.fields.get("country")
        ]
        if countries:
            fields["country"] = countries[0]
        else:
            reader.note(item, where, "attributes", NO_COUNTRY)
    if organisation_id:
        plan.organisations[organisation_id] = organisation


def _read_address(reader: Reader, item: dict[str, Any], where: str, fields: dict[str, Any]) -> None:
    addresses = reader.objects(item, where, "addresses")
    if len(addresses) > 1:
        reader.note(item, where, "addresses", ONE_ADDRESS)
    if not addresses:
        reader.note(item, where, "addresses", NO_ADDRESS)
        return
    address_where, address = addresses[0]
    fields["address_1"] = reader.model_text(address, address_where, Location, "address_1")
    fields["city"] = reader.model_text(address, address_where, Location, "city")
    fields["postal_code"] = reader.model_text(address, address_where, Location, "postal_code")
    country = address.get("country")
    if not isinstance(country, str) or not places.is_country(country):
        reader.note(address, address_where, "country", NOT_COUNTRY if country else REQUIRED)
        return
    fields["country"] = country
    area = address.get("state_province") or ""
    if not isinstance(area, str):
        reader.note(address, address_where, "state_province", WRONG_TYPE)
    elif area:
        found = places.place(area) if len(area) > 2 else None
        if found is None:
            reader.note(
                address, address_where, "state_province", DirectoryError.messages["unknown_area"]
            )
        elif found.country != country:
            reader.note(
                address,
                address_where,
                "state_province",
                DirectoryError.messages["area_of_other_country"],
            )
        else:
            fields["admin1"] = found.code


def _read_location(
    reader: Reader, item: dict[str, Any], where: str, plan: Plan, organisation_id: str
) -> str:
    location_id = reader.identifier(item, where, kind="location")
    given_organisation = item.get("organization_id")
    if given_organisation not in (None, "", organisation_id):
        reader.note(
            item,
            where,
            "organization_id",
            DirectoryError.messages["location_of_other_organisation"],
        )
    fields: dict[str, Any] = {
        "location_type": reader.choice(item, where, "location_type", LocationType.values),
        "name": reader.model_text(item, where, Location, "name"),
        "description": reader.model_text(item, where, Location, "description"),
        "transportation": reader.model_text(item, where, Location, "transportation"),
        "latitude": reader.coordinate(item, where, "latitude", 90),
        "longitude": reader.coordinate(item, where, "longitude", 180),
        "address_1": "",
        "city": "",
        "postal_code": "",
        "country": "",
        "admin1": "",
        "accessibility": "",
        "wheelchair_access": False,
        "translations": {},
    }
    _read_address(reader, item, where, fields)
    notes = [
        reader.text(entry, entry_where, "description", max_length=500)
        for entry_where, entry in reader.objects(item, where, "accessibility")
    ]
    fields["accessibility"] = "; ".join(note for note in notes if note)[:500]
    for attribute in reader.attributes(item, where):
        if attribute.code in hsds.LOCATION_FLAGS:
            fields[attribute.code] = reader.flag(attribute)
        elif attribute.taxonomy == hsds.TEXT_TAXONOMY:
            fields["translations"] = reader.translations(attribute)
    if location_id:
        plan.locations[location_id] = LocationPlan(
            id=location_id,
            organisation_id=organisation_id,
            fields=fields,
            source=(item, where),
            phones=reader.phones(item, where),
            schedules=reader.schedules(item, where),
        )
    return location_id


def _read_areas(reader: Reader, item: dict[str, Any], where: str) -> list[tuple[str, str, str]]:
    areas: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    entries = reader.objects(item, where, "service_areas")
    if not entries:
        reader.note(item, where, "service_areas", DirectoryError.messages["no_area"])
    for area_where, area in entries:
        area_id = reader.identifier(area, area_where, kind="service_area")
        code = area.get("extent")
        found = places.place(code) if isinstance(code, str) and code else None
        if found is None:
            why = DirectoryError.messages["unknown_area"] if code else REQUIRED
            reader.note(area, area_where, "extent", why)
            continue
        if found.code in seen:
            reader.note(area, area_where, "extent", TWICE)
            continue
        seen.add(found.code)
        areas.append((area_id, found.country, "" if found.level == 0 else found.code))
    return areas


def _read_service_attributes(
    reader: Reader, item: dict[str, Any], where: str, fields: dict[str, Any]
) -> None:
    types = []
    for attribute in reader.attributes(item, where):
        if attribute.taxonomy == hsds.SERVICE_TYPE_TAXONOMY:
            types.append(attribute.code)
        elif attribute.code in hsds.SERVICE_FLAGS:
            fields[attribute.code] = reader.flag(attribute)
        elif attribute.taxonomy == hsds.TEXT_TAXONOMY:
            fields["translations"] = reader.translations(attribute)
    if len(types) > 1:
        reader.note(item, where, "attributes", ONE_TYPE)
    fields["service_type"] = types[0] if types else ServiceType.OTHER


_INVALID = object()


def _parsed(value: Any, parse: Callable[[str], Any]) -> Any:
    """None when absent, the parsed value, or ``_INVALID``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return _INVALID
    try:
        return parse(value)
    except ValueError:
        return _INVALID


def _read_verification(
    reader: Reader, item: dict[str, Any], where: str, fields: dict[str, Any]
) -> None:
    fields["assured_date"] = _parsed(item.get("assured_date"), date.fromisoformat)
    if fields["assured_date"] is _INVALID:
        reader.note(item, where, "assured_date", NOT_DATE)
        fields["assured_date"] = None
    fields["assurer_email"] = reader.email(item, where, "assurer_email")
    modified = _parsed(item.get("last_modified"), datetime.fromisoformat)
    if modified is _INVALID:
        reader.note(item, where, "last_modified", NOT_DATETIME)
    if not isinstance(modified, datetime):
        modified = timezone.now()
    fields["updated_at"] = modified if modified.tzinfo else modified.replace(tzinfo=UTC)


def _read_service(reader: Reader, item: dict[str, Any], where: str, plan: Plan) -> None:
    service_id = reader.identifier(item, where, kind="service")
    organisation_id = reader.identifier(item, where, "organization_id")
    fields: dict[str, Any] = {
        "name": reader.model_text(item, where, Service, "name", required=True),
        "status": reader.choice(item, where, "status", ServiceStatus.values),
        "url": reader.url(item, where, "url"),
        "email": reader.email(item, where, "email"),
        "minimum_age": reader.whole_number(item, where, "minimum_age", low=0, high=120),
        "maximum_age": reader.whole_number(item, where, "maximum_age", low=0, high=120),
        "languages": reader.language_codes(item, where),
        "free_of_charge": False,
        "disability_access": False,
        "child_friendly": False,
        "translations": {},
    }
    for name in (
        "alternate_name",
        "description",
        "application_process",
        "eligibility_description",
        "fees_description",
    ):
        fields[name] = reader.model_text(item, where, Service, name)
    youngest, oldest = fields["minimum_age"], fields["maximum_age"]
    if youngest is not None and oldest is not None and youngest > oldest:
        reader.note(item, where, "minimum_age", AGES_REVERSED)
    _read_verification(reader, item, where, fields)
    _read_service_attributes(reader, item, where, fields)
    service = ServicePlan(
        id=service_id,
        organisation_id=organisation_id,
        fields=fields,
        source=(item, where),
        areas=_read_areas(reader, item, where),
        phones=reader.phones(item, where),
        schedules=reader.schedules(item, where),
    )
    linked: set[str] = set()
    for link_where, link in reader.objects(item, where, "service_at_locations"):
        link_id = reader.identifier(link, link_where, kind="service_at_location")
        location_id = reader.identifier(link, link_where, "location_id")
        nested = link.get("location")
        if isinstance(nested, dict) and location_id and location_id not in plan.locations:
            _read_location(reader, nested, f"{link_where}.location", plan, organisation_id)
        if location_id in linked:
            reader.note(link, link_where, "location_id", TWICE)
        linked.add(location_id)
        description = reader.model_text(link, link_where, ServiceAtLocation, "description")
        service.links.append((link_id, location_id, description))
    if service_id:
        plan.services[service_id] = service


def read_document(reader: Reader, document: Any, plan: Plan) -> None:
    """Read the whole document into ``plan``; the reader holds the problems found.

    A document that is not one, or holds too many records, is read no further (``StopReading``).
    """
    if not isinstance(document, dict) or not any(
        isinstance(document.get(key), list) for key in ("organizations", "services")
    ):
        reader.problems.append(Problem("", "", str(NOT_DOCUMENT)))
        raise StopReading
    records = sum(
        len(document[key])
        for key in ("organizations", "services")
        if isinstance(document.get(key), list)
    )
    if records > reader.limits.records:
        reader.problems.append(Problem("", "", too_many_message(reader.limits.records)))
        raise StopReading
    for where, item in reader.objects(document, "", "organizations"):
        _read_organisation(reader, item, where.lstrip("."), plan)
    for where, item in reader.objects(document, "", "services"):
        _read_service(reader, item, where.lstrip("."), plan)
    if len(plan.locations) > reader.limits.records:
        reader.problems.append(Problem("", "", too_many_message(reader.limits.records)))
