"""The directory as Open Referral HSDS 3.0 JSON.

One export document holds everything public in the directory::

    {"version": "3.0", "organizations": [...], "services": [...]}

Each organization follows HSDS's organization schema (with its public locations); each service
follows HSDS's service schema (with phones, schedules, service areas, languages, attributes and
its public service-at-locations). What HSDS has no field for is written as attributes linked to
terms of the project's own taxonomies: the service type, the yes/no flags, a location's
wheelchair access, an organisation's country and the translated names and descriptions. A
confidential location (a shelter) is never written, nor are the links to it.

Everything is ordered and derived ids are UUID 5s, so the same directory always gives the same
document, byte for byte; ``hsds_import`` reads it back (see the round-trip tests).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, time
from functools import lru_cache
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import translation

from digiamen.core import places as shipped_places
from digiamen.directory import places
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceQuerySet,
)
from digiamen.directory.taxonomy import SERVICE_LANGUAGES, ServiceType

HSDS_VERSION = "3.0"

# Fixed namespace for the ids the export derives (attributes, terms, addresses, languages).
ID_NAMESPACE = uuid.UUID("0b6f5a43-6d0e-4c55-9c1e-8d2f3f7a9e21")

SERVICE_TYPE_TAXONOMY = "digiamen-service-type"
FLAG_TAXONOMY = "digiamen-flag"
TEXT_TAXONOMY = "digiamen-text"
PLACE_TAXONOMY = "digiamen-place"

# Terms other than the service types: (name, description). Data, not interface text, so kept
# in English whatever the language of the request.
FLAG_TERMS: dict[str, tuple[str, str]] = {
    "free_of_charge": ("Free of charge", "The service costs nothing to the child or family."),
    "disability_access": (
        "Accessible to children with disabilities",
        "The service is accessible to children with disabilities.",
    ),
    "child_friendly": ("Child-friendly", "Staff and spaces are adapted to children."),
    "wheelchair_access": ("Wheelchair access", "The location can be entered in a wheelchair."),
}
SERVICE_FLAGS = ("free_of_charge", "disability_access", "child_friendly")
LOCATION_FLAGS = ("wheelchair_access",)
TRANSLATIONS_TERM = (
    "translations",
    "Translations",
    "The names and descriptions in other languages, as a JSON object keyed by language.",
)
COUNTRY_TERM = ("country", "Country", "The ISO 3166-1 alpha-2 code of the country.")

EXTENT_COUNTRY = "iso3166-1"
EXTENT_AREA = "iso3166-2"
EXTENT_LOCAL = "local"


def derived_id(owner: uuid.UUID | str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(str(owner)), what))


def term_id(taxonomy: str, code: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{taxonomy}/{code}"))


def service_type_term(code: str) -> tuple[str, str]:
    with translation.override("en"):
        label = str(ServiceType(code).label)
    return label, f"Services of the type: {label}."


def term_of(taxonomy: str, code: str) -> dict[str, str]:
    """The term as HSDS writes it (a fresh dict: callers may change theirs)."""
    return dict(_term(taxonomy, code))


@lru_cache(maxsize=256)
def _term(taxonomy: str, code: str) -> dict[str, str]:
    if taxonomy == SERVICE_TYPE_TAXONOMY:
        name, description = service_type_term(code)
    elif taxonomy == FLAG_TAXONOMY:
        name, description = FLAG_TERMS[code]
    elif taxonomy == TEXT_TAXONOMY:
        name, description = TRANSLATIONS_TERM[1:]
    else:
        name, description = COUNTRY_TERM[1:]
    return {
        "id": term_id(taxonomy, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": taxonomy,
    }


def _attribute(
    link_id: str, entity: str, taxonomy: str, code: str, value: str | None = None
) -> dict[str, Any]:
    term = term_of(taxonomy, code)
    attribute: dict[str, Any] = {
        "id": derived_id(link_id, f"attribute/{taxonomy}/{code}"),
        "link_id": link_id,
        "link_type": entity,
        "link_entity": entity,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        attribute["value"] = value
    return attribute


def _translations_attribute(
    link_id: str, entity: str, translations: dict[str, Any]
) -> list[dict[str, Any]]:
    if not translations:
        return []
    value = json.dumps(translations, ensure_ascii=False, sort_keys=True)
    return [_attribute(link_id, entity, TEXT_TAXONOMY, "translations", value)]


def _flag_attributes(link_id: str, entity: str, record: Any, flags: Iterable[str]) -> list[Any]:
    return [
        _attribute(
            link_id, entity, FLAG_TAXONOMY, flag, "true" if getattr(record, flag) else "false"
        )
        for flag in flags
    ]


def _texts(record: Any, names: Iterable[str]) -> dict[str, Any]:
    """The non-empty texts among ``names`` (HSDS leaves out what is unknown)."""
    return {name: getattr(record, name) for name in names if getattr(record, name)}


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _languages(owner_key: str, owner_id: str, codes: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": derived_id(owner_id, f"language/{code}"),
            owner_key: owner_id,
            "code": code,
            "name": SERVICE_LANGUAGES.get(code, code),
        }
        for code in codes
    ]


def phone_json(phone: Phone, owner_key: str, owner_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(phone.id), owner_key: owner_id, "number": phone.number}
    if phone.extension.isdigit():
        data["extension"] = int(phone.extension)
    data["type"] = phone.type
    data.update(_texts(phone, ["description"]))
    if phone.languages:
        data["languages"] = _languages("phone_id", str(phone.id), phone.languages)
    return data


def schedule_json(schedule: Schedule, owner_key: str, owner_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": str(schedule.id), owner_key: owner_id, "freq": schedule.freq}
    data.update(_texts(schedule, ["byday", "description"]))
    for name in ("opens_at", "closes_at"):
        value = clock(getattr(schedule, name))
        if value:
            data[name] = value
    return data


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def location_json(location: Location) -> dict[str, Any]:
    location_id = str(location.id)
    data: dict[str, Any] = {
        "id": location_id,
        "location_type": location.location_type,
        "organization_id": str(location.organisation_id),
    }
    data.update(_texts(location, ["name", "description", "transportation"]))
    for name in ("latitude", "longitude"):
        value = _number(getattr(location, name))
        if value is not None:
            data[name] = value
    data["addresses"] = [
        {
            "id": derived_id(location_id, "address"),
            "location_id": location_id,
            "address_1": location.address_1,
            "city": location.city,
            "state_province": location.admin1,
            "postal_code": location.postal_code,
            "country": location.country,
            "address_type": location.location_type,
        }
    ]
    if location.accessibility:
        data["accessibility"] = [
            {
                "id": derived_id(location_id, "accessibility"),
                "location_id": location_id,
                "description": location.accessibility,
            }
        ]
    data["phones"] = [phone_json(p, "location_id", location_id) for p in location.phones.all()]
    data["schedules"] = [
        schedule_json(s, "location_id", location_id)
        for s in sorted(location.schedules.all(), key=lambda s: str(s.id))
    ]
    data["attributes"] = [
        *_flag_attributes(location_id, "location", location, LOCATION_FLAGS),
        *_translations_attribute(location_id, "location", location.translations),
    ]
    return data


def organisation_json(
    organisation: DirectoryOrganisation, *, with_locations: bool = True
) -> dict[str, Any]:
    organisation_id = str(organisation.id)
    data: dict[str, Any] = {"id": organisation_id, "name": organisation.name}
    data.update(_texts(organisation, ["alternate_name"]))
    data["description"] = organisation.description
    data.update(_texts(organisation, ["email", "website"]))
    data["phones"] = [
        phone_json(p, "organization_id", organisation_id) for p in organisation.phones.all()
    ]
    if with_locations:
        data["locations"] = [
            location_json(location)
            for location in sorted(organisation.locations.all(), key=lambda loc: str(loc.id))
            if not location.is_confidential
        ]
    data["attributes"] = [
        _attribute(
            organisation_id, "organization", PLACE_TAXONOMY, "country", organisation.country
        ),
        *_translations_attribute(organisation_id, "organization", organisation.translations),
    ]
    return data


def extent_type(code: str) -> str:
    """A country, a shipped ISO 3166-2 area, or an area an admin added."""
    if len(code) == 2:
        return EXTENT_COUNTRY
    return EXTENT_AREA if shipped_places.area(code) is not None else EXTENT_LOCAL


def _area_json(service_id: str, area: ServiceArea) -> dict[str, Any]:
    code = area.admin1 or area.country
    return {
        "id": str(area.id),
        "service_id": service_id,
        "name": places.place_name(code, "en"),
        "extent": code,
        "extent_type": extent_type(code),
    }


def service_json(service: Service, *, with_organization: bool = False) -> dict[str, Any]:
    """One service as HSDS 3.0 (compiled service schema)."""
    service_id = str(service.id)
    data: dict[str, Any] = {
        "id": service_id,
        "organization_id": str(service.organisation_id),
        "name": service.name,
    }
    data.update(_texts(service, ["alternate_name", "description", "url", "email"]))
    data["status"] = service.status
    data.update(
        _texts(service, ["application_process", "fees_description", "eligibility_description"])
    )
    for name in ("minimum_age", "maximum_age"):
        if getattr(service, name) is not None:
            data[name] = getattr(service, name)
    if service.last_verified_at is not None:
        data["assured_date"] = service.last_verified_at.astimezone(UTC).date().isoformat()
    data.update(_texts(service, ["assurer_email"]))
    data["last_modified"] = timestamp(service.updated_at)
    data["phones"] = [phone_json(p, "service_id", service_id) for p in service.phones.all()]
    data["schedules"] = [
        schedule_json(s, "service_id", service_id)
        for s in sorted(service.schedules.all(), key=lambda s: str(s.id))
    ]
    data["service_areas"] = [
        _area_json(service_id, area)
        for area in sorted(service.areas.all(), key=lambda a: (a.country, a.admin1))
    ]
    data["service_at_locations"] = [
        {
            "id": str(link.id),
            "service_id": service_id,
            "location_id": str(link.location_id),
            **_texts(link, ["description"]),
            "location": location_json(link.location),
        }
        for link in sorted(service.at_locations.all(), key=lambda link: str(link.location_id))
        if not link.location.is_confidential
    ]
    data["languages"] = _languages("service_id", service_id, service.languages)
    data["attributes"] = [
        _attribute(service_id, "service", SERVICE_TYPE_TAXONOMY, service.service_type),
        *_flag_attributes(service_id, "service", service, SERVICE_FLAGS),
        *_translations_attribute(service_id, "service", service.translations),
    ]
    if with_organization:
        data["organization"] = organisation_json(service.organisation, with_locations=False)
    return data


def _public_locations() -> QuerySet[Location]:
    return Location.objects.filter(is_confidential=False).prefetch_related("phones", "schedules")


def services_for_export() -> ServiceQuerySet:
    """Services with everything ``service_json`` reads, in a fixed number of queries."""
    links = (
        ServiceAtLocation.objects.filter(location__is_confidential=False)
        .select_related("location")
        .prefetch_related("location__phones", "location__schedules")
    )
    return (
        Service.objects.select_related("organisation")
        .prefetch_related(
            "areas",
            "phones",
            "schedules",
            "organisation__phones",
            Prefetch("at_locations", queryset=links),
        )
        .order_by("id")
    )


def organisations_for_export() -> QuerySet[DirectoryOrganisation]:
    return DirectoryOrganisation.objects.prefetch_related(
        "phones", Prefetch("locations", queryset=_public_locations())
    ).order_by("id")


def export_document() -> dict[str, Any]:
    """The whole public directory as one HSDS 3.0 document."""
    return {
        "version": HSDS_VERSION,
        "organizations": [organisation_json(o) for o in organisations_for_export()],
        "services": [service_json(s) for s in services_for_export().iterator(chunk_size=500)],
    }


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def export_json() -> bytes:
    return dumps(export_document())
