"""Reading an HSDS 3.0 document into the directory: everything checked first, then all or nothing.

The reader walks the document once and collects every problem as (row, field, why); only a
document without problems is written, in one transaction. Records are matched by id: a record
in the file replaces the one with the same id (its phones, schedules, areas and links are
replaced with the file's); records not in the file are left alone. The tabular datapackage is
turned into the same document (``directory.tabular``), with each object's CSV line kept in
``origins`` so that a problem names the file and line it comes from.

The rules are the directory's own: area codes through ``directory.places`` (an area of another
country is refused), texts through ``directory.validation``, lengths from the models.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from digiamen.accounts.models import Membership
from digiamen.core import audit, untrusted
from digiamen.directory import hsds, places
from digiamen.directory.actions import DirectoryError
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from digiamen.directory.taxonomy import (
    SERVICE_LANGUAGES,
    LocationType,
    PhoneType,
    ServiceStatus,
    ServiceType,
)
from digiamen.directory.validation import text_problem

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 50_000  # organisations, locations and services together
MAX_OBJECTS = 500_000  # every object of the document, phones and attributes included
MAX_PROBLEMS = 200
TRANSLATED_FIELDS = ("name", "description")

REQUIRED = _("This field is required.")
WRONG_TYPE = _("This value has the wrong type.")
TOO_LONG = _("This value is too long.")
NOT_A_CHOICE = _("This value is not one of the allowed choices.")
NOT_UUID = _("This is not a UUID.")
DUPLICATE_ID = _("This id appears more than once in the file.")
TAKEN_ID = _("This id belongs to another record in the directory.")
UNKNOWN_ORGANISATION = _("No organisation with this id is in the file or the directory.")
UNKNOWN_LOCATION = _("No location with this id is in the file or the directory.")
UNKNOWN_CODE = _("This code is not known.")
UNKNOWN_LANGUAGE = _("This language code is not known.")
NOT_DATE = _("This is not a date (YYYY-MM-DD).")
NOT_DATETIME = _("This is not a date and time (ISO 8601).")
NOT_TIME = _("This is not a time (HH:MM).")
NOT_EMAIL = _("This is not an email address.")
NOT_URL = _("This is not a web address.")
OUT_OF_RANGE = _("This number is out of range.")
NOT_BOOLEAN = _('This value must be "true" or "false".')
ONE_ADDRESS = _("A location can have one address only.")
NO_ADDRESS = _("The location needs an address with its country.")
NO_COUNTRY = _("The organisation's country is missing.")
NOT_COUNTRY = _("This is not an ISO 3166-1 country code.")
TWICE = _("This is listed twice.")
ONE_TYPE = _("A service can have one type only.")
BAD_TRANSLATIONS = _("The translations are not valid.")
AGES_REVERSED = _("The youngest age served is above the oldest.")
NOT_JSON = _("The file is not valid JSON in UTF-8.")
NOT_DOCUMENT = _(
    'The file is not an HSDS document: it needs a list of "organizations" or "services".'
)
CONFLICT = _("The file conflicts with records in the directory; nothing was imported.")


@dataclass(frozen=True)
class Problem:
    row: str
    field: str
    why: str


class HsdsImportError(Exception):
    """The document cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def too_big_message(limit_bytes: int = MAX_FILE_BYTES) -> str:
    megabytes = limit_bytes // (1024 * 1024)
    return ngettext(
        "The file is too big: at most %(count)d MB.",
        "The file is too big: at most %(count)d MB.",
        megabytes,
    ) % {"count": megabytes}


def too_many_message(limit: int | None = None) -> str:
    count = MAX_RECORDS if limit is None else limit
    return ngettext(
        "The file holds too many records: at most %(count)d.",
        "The file holds too many records: at most %(count)d.",
        count,
    ) % {"count": count}


@dataclass
class PhonePlan:
    id: str
    number: str
    extension: str
    type: str
    description: str
    languages: list[str]


@dataclass
class SchedulePlan:
    id: str
    freq: str
    byday: str
    opens_at: time | None
    closes_at: time | None
    description: str


@dataclass
class OrganisationPlan:
    id: str
    fields: dict[str, Any]
    phones: list[PhonePlan] = field(default_factory=list)


@dataclass
class LocationPlan:
    id: str
    organisation_id: str
    fields: dict[str, Any]
    source: tuple[dict[str, Any], str]
    phones: list[PhonePlan] = field(default_factory=list)
    schedules: list[SchedulePlan] = field(default_factory=list)


@dataclass
class ServicePlan:
    id: str
    organisation_id: str
    fields: dict[str, Any]
    source: tuple[dict[str, Any], str]
    areas: list[tuple[str, str, str]] = field(default_factory=list)  # id, country, admin1
    phones: list[PhonePlan] = field(default_factory=list)
    schedules: list[SchedulePlan] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # id, location, description


@dataclass
class Plan:
    organisations: dict[str, OrganisationPlan] = field(default_factory=dict)
    locations: dict[str, LocationPlan] = field(default_factory=dict)
    services: dict[str, ServicePlan] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportSummary:
    organisations: int
    locations: int
    services: int


class TooManyProblems(Exception):
    pass


@dataclass(frozen=True)
class Attribute:
    """One of the project's own attributes, with where it is in the document."""

    taxonomy: str
    code: str
    value: Any
    item: dict[str, Any]
    where: str


def _max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length  # type: ignore[union-attr]


_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


class Reader:
    """Reads values out of the document's objects, noting each problem once."""

    def __init__(self, origins: Mapping[int, str] | None = None) -> None:
        self.problems: list[Problem] = []
        self.origins = origins or {}
        self.seen_ids: dict[str, set[str]] = {}
        self.objects_read = 0

    # Where things are -------------------------------------------------------------------
    def row(self, obj: Any, path: str) -> str:
        return self.origins.get(id(obj), path)

    def note(self, obj: Any, path: str, name: str, why: Any) -> None:
        self.problems.append(Problem(self.row(obj, path), name, str(why)))
        if len(self.problems) >= MAX_PROBLEMS:
            raise TooManyProblems

    # Values -------------------------------------------------------------------------------
    def text(
        self,
        obj: dict[str, Any],
        path: str,
        name: str,
        *,
        max_length: int | None,
        required: bool = False,
        check: Callable[[str], None] | None = None,
        why: Any = None,
    ) -> str:
        value = obj.get(name)
        if value is None or value == "":
            if required:
                self.note(obj, path, name, REQUIRED)
            return ""
        if not isinstance(value, str):
            self.note(obj, path, name, WRONG_TYPE)
            return ""
        value = value.strip()
        problem = text_problem(value)
        if problem:
            self.note(obj, path, name, problem)
            return ""
        if max_length is not None and len(value) > max_length:
            self.note(obj, path, name, TOO_LONG)
            return ""
        if required and not value:
            self.note(obj, path, name, REQUIRED)
        if check is not None and value:
            try:
                check(value)
            except ValidationError:
                self.note(obj, path, name, why)
                return ""
        return value

    def model_text(
        self,
        obj: dict[str, Any],
        path: str,
        model: type[models.Model],
        name: str,
        *,
        key: str | None = None,
        required: bool = False,
    ) -> str:
        return self.text(
            obj, path, key or name, max_length=_max_length(model, name), required=required
        )

    def email(self, obj: dict[str, Any], path: str, name: str) -> str:
        return self.text(obj, path, name, max_length=254, check=_email, why=NOT_EMAIL)

    def url(self, obj: dict[str, Any], path: str, name: str) -> str:
        return self.text(obj, path, name, max_length=200, check=_url, why=NOT_URL)

    def identifier(
        self, obj: dict[str, Any], path: str, name: str = "id", *, kind: str = ""
    ) -> str:
        """A UUID, in canonical form; with ``kind``, also unique in the file for that kind."""
        value = obj.get(name)
        if value is None or value == "":
            self.note(obj, path, name, REQUIRED)
            return ""
        if not isinstance(value, str):
            self.note(obj, path, name, WRONG_TYPE)
            return ""
        try:
            canonical = str(uuid.UUID(value))
        except ValueError:
            self.note(obj, path, name, NOT_UUID)
            return ""
        if kind:
            seen = self.seen_ids.setdefault(kind, set())
            if canonical in seen:
                self.note(obj, path, name, DUPLICATE_ID)
                return ""
            seen.add(canonical)
        return canonical

    def whole_number(
        self, obj: dict[str, Any], path: str, name: str, *, low: int, high: int
    ) -> int | None:
        value = obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.note(obj, path, name, WRONG_TYPE)
            return None
        if not math.isfinite(value) or value != int(value):
            self.note(obj, path, name, WRONG_TYPE)
            return None
        if not low <= value <= high:
            self.note(obj, path, name, OUT_OF_RANGE)
            return None
        return int(value)

    def coordinate(self, obj: dict[str, Any], path: str, name: str, limit: int) -> Decimal | None:
        value = obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.note(obj, path, name, WRONG_TYPE)
            return None
        if not -limit <= value <= limit:
            self.note(obj, path, name, OUT_OF_RANGE)
            return None
        return Decimal(str(value)).quantize(Decimal("0.000001"))

    def choice(
        self, obj: dict[str, Any], path: str, name: str, choices: list[str], default: str = ""
    ) -> str:
        value = obj.get(name)
        if value is None or value == "":
            if not default:
                self.note(obj, path, name, REQUIRED)
            return default
        if value not in choices:
            self.note(obj, path, name, NOT_A_CHOICE)
            return default
        return str(value)

    def objects(
        self, obj: dict[str, Any], path: str, name: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The objects of a list field, each with its path."""
        value = obj.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.note(obj, path, name, WRONG_TYPE)
            return []
        self.objects_read += len(value)
        if self.objects_read > MAX_OBJECTS:
            self.problems.append(Problem("", "", too_many_message(MAX_OBJECTS)))
            raise TooManyProblems
        found = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((f"{path}.{name}[{index}]", item))
            else:
                self.note(obj, path, f"{name}[{index}]", WRONG_TYPE)
        return found

    def clock(self, obj: dict[str, Any], path: str, name: str) -> time | None:
        value = obj.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        self.note(obj, path, name, NOT_TIME)
        return None

    # Composite parts ----------------------------------------------------------------------
    def phones(self, obj: dict[str, Any], path: str) -> list[PhonePlan]:
        found = []
        for where, item in self.objects(obj, path, "phones"):
            phone_id = self.identifier(item, where, kind="phone")
            number = self.model_text(item, where, Phone, "number", required=True)
            extension = self.whole_number(item, where, "extension", low=0, high=10**9)
            found.append(
                PhonePlan(
                    id=phone_id,
                    number=number,
                    extension="" if extension is None else str(extension),
                    type=self.choice(item, where, "type", PhoneType.values, PhoneType.VOICE),
                    description=self.model_text(item, where, Phone, "description"),
                    languages=self.language_codes(item, where),
                )
            )
        return found

    def schedules(self, obj: dict[str, Any], path: str) -> list[SchedulePlan]:
        found = []
        for where, item in self.objects(obj, path, "schedules"):
            byday = self.model_text(item, where, Schedule, "byday").upper()
            days = [day for day in byday.split(",") if day]
            if any(day not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU") for day in days):
                self.note(item, where, "byday", NOT_A_CHOICE)
            found.append(
                SchedulePlan(
                    id=self.identifier(item, where, kind="schedule"),
                    freq=self.choice(item, where, "freq", ["WEEKLY", "MONTHLY"], "WEEKLY"),
                    byday=",".join(days),
                    opens_at=self.clock(item, where, "opens_at"),
                    closes_at=self.clock(item, where, "closes_at"),
                    description=self.model_text(item, where, Schedule, "description"),
                )
            )
        return found

    def language_codes(self, obj: dict[str, Any], path: str) -> list[str]:
        codes: list[str] = []
        for where, item in self.objects(obj, path, "languages"):
            code = item.get("code")
            if not isinstance(code, str) or code not in SERVICE_LANGUAGES:
                self.note(item, where, "code", UNKNOWN_LANGUAGE if code else REQUIRED)
            elif code not in codes:
                codes.append(code)
        return codes

    def attributes(self, obj: dict[str, Any], path: str) -> list[Attribute]:
        """The project's own attributes; others (another system's taxonomies) are ignored."""
        known_terms = _known_terms()
        found = []
        for where, item in self.objects(obj, path, "attributes"):
            term = item.get("taxonomy_term")
            taxonomy = code = None
            if isinstance(term, dict) and isinstance(term.get("taxonomy"), str):
                taxonomy, code = term.get("taxonomy"), term.get("code")
            elif isinstance(item.get("taxonomy_term_id"), str):
                taxonomy, code = known_terms.get(item["taxonomy_term_id"], (None, None))
            if taxonomy not in _OWN_TAXONOMIES:
                continue
            if not isinstance(code, str) or (taxonomy, code) not in known_terms.values():
                self.note(item, where, "taxonomy_term.code", UNKNOWN_CODE)
                continue
            found.append(Attribute(str(taxonomy), code, item.get("value"), item, where))
        return found

    def flag(self, attribute: Attribute) -> bool:
        if attribute.value in ("true", "false"):
            return bool(attribute.value == "true")
        self.note(attribute.item, attribute.where, "value", NOT_BOOLEAN)
        return False

    def translations(self, attribute: Attribute) -> dict[str, dict[str, str]]:
        item, where, value = attribute.item, attribute.where, attribute.value
        try:
            parsed = untrusted.read_json(value) if isinstance(value, str) else None
        except untrusted.Unreadable:
            parsed = None
        languages = {code for code, _name in settings.LANGUAGES}
        if not isinstance(parsed, dict) or not all(
            language in languages
            and isinstance(texts, dict)
            and all(
                key in TRANSLATED_FIELDS and isinstance(text, str) and len(text) <= 4000
                for key, text in texts.items()
            )
            for language, texts in parsed.items()
        ):
            self.note(item, where, "value", BAD_TRANSLATIONS)
            return {}
        for texts in parsed.values():
            for text in texts.values():
                problem = text_problem(text)
                if problem:
                    self.note(item, where, "value", problem)
                    return {}
        return {language: dict(texts) for language, texts in parsed.items() if texts}


_OWN_TAXONOMIES = {
    hsds.SERVICE_TYPE_TAXONOMY,
    hsds.FLAG_TAXONOMY,
    hsds.TEXT_TAXONOMY,
    hsds.PLACE_TAXONOMY,
}


def _known_terms() -> dict[str, tuple[str, str]]:
    terms = [(hsds.SERVICE_TYPE_TAXONOMY, code) for code in ServiceType.values]
    terms += [(hsds.FLAG_TAXONOMY, code) for code in hsds.FLAG_TERMS]
    terms += [(hsds.TEXT_TAXONOMY, "translations"), (hsds.PLACE_TAXONOMY, "country")]
    return {hsds.term_id(taxonomy, code): (taxonomy, code) for taxonomy, code in terms}


# Reading the document ---------------------------------------------------------------------


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


def read_document(document: Any, origins: Mapping[int, str] | None = None) -> tuple[Plan, Reader]:
    """Read and check the whole document; the reader holds the problems found."""
    reader = Reader(origins)
    plan = Plan()
    if not isinstance(document, dict) or not any(
        isinstance(document.get(key), list) for key in ("organizations", "services")
    ):
        reader.problems.append(Problem("", "", str(NOT_DOCUMENT)))
        return plan, reader
    records = sum(
        len(document[key])
        for key in ("organizations", "services")
        if isinstance(document.get(key), list)
    )
    if records > MAX_RECORDS:
        reader.problems.append(Problem("", "", too_many_message()))
        return plan, reader
    try:
        for where, item in reader.objects(document, "", "organizations"):
            _read_organisation(reader, item, where.lstrip("."), plan)
        for where, item in reader.objects(document, "", "services"):
            _read_service(reader, item, where.lstrip("."), plan)
        if len(plan.locations) > MAX_RECORDS:
            reader.problems.append(Problem("", "", too_many_message()))
        _check_against_directory(reader, plan)
    except TooManyProblems:
        pass
    return plan, reader


# Checks that need the database ------------------------------------------------------------


def _check_against_directory(reader: Reader, plan: Plan) -> None:
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
        _uuids(plan.services),
        _uuids(plan.locations),
        _uuids(plan.organisations),
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


def _uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(pk) for pk in ids]


def _all_phones(plan: Plan) -> list[list[PhonePlan]]:
    return [
        *(o.phones for o in plan.organisations.values()),
        *(loc.phones for loc in plan.locations.values()),
        *(s.phones for s in plan.services.values()),
    ]


# Writing ----------------------------------------------------------------------------------


def _phones(plans: list[PhonePlan], **owner: Any) -> list[Phone]:
    return [
        Phone(
            id=p.id,
            number=p.number,
            extension=p.extension,
            type=p.type,
            description=p.description,
            languages=p.languages,
            order=order,
            **owner,
        )
        for order, p in enumerate(plans)
    ]


def _schedules(plans: list[SchedulePlan], **owner: Any) -> list[Schedule]:
    return [
        Schedule(
            id=s.id,
            freq=s.freq,
            byday=s.byday,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            description=s.description,
            **owner,
        )
        for s in plans
    ]


def _upsert(model: type[models.Model], rows: dict[str, dict[str, Any]]) -> None:
    """Create the rows whose id is new, update the others, in batches."""
    if not rows:
        return
    existing = model._default_manager.in_bulk([uuid.UUID(pk) for pk in rows])
    new, changed = [], []
    for pk, fields in rows.items():
        record = existing.get(uuid.UUID(pk))
        if record is None:
            new.append(model(pk=pk, **fields))
            continue
        for name, value in fields.items():
            setattr(record, name, value)
        changed.append(record)
    model._default_manager.bulk_create(new, batch_size=500)
    names = list(next(iter(rows.values())))
    model._default_manager.bulk_update(changed, names, batch_size=500)


def _verification(fields: dict[str, Any], existing: Service | None) -> dict[str, Any]:
    """HSDS keeps the date a service was checked; keep the time we know if the date agrees."""
    fields = dict(fields)
    assured: date | None = fields.pop("assured_date")
    if assured is None:
        fields["last_verified_at"] = None
    elif existing and existing.last_verified_at and existing.last_verified_at.date() == assured:
        fields["last_verified_at"] = existing.last_verified_at
    else:
        fields["last_verified_at"] = datetime.combine(assured, time(), tzinfo=UTC)
    return fields


def _write(plan: Plan) -> None:
    _upsert(DirectoryOrganisation, {o.id: o.fields for o in plan.organisations.values()})
    Phone.objects.filter(organisation_id__in=_uuids(plan.organisations)).delete()
    Phone.objects.bulk_create(
        phone
        for o in plan.organisations.values()
        for phone in _phones(o.phones, organisation_id=o.id)
    )
    _upsert(
        Location,
        {
            loc.id: {**loc.fields, "organisation_id": loc.organisation_id}
            for loc in plan.locations.values()
        },
    )
    Phone.objects.filter(location_id__in=_uuids(plan.locations)).delete()
    Schedule.objects.filter(location_id__in=_uuids(plan.locations)).delete()
    Phone.objects.bulk_create(
        phone
        for loc in plan.locations.values()
        for phone in _phones(loc.phones, location_id=loc.id)
    )
    Schedule.objects.bulk_create(
        schedule
        for loc in plan.locations.values()
        for schedule in _schedules(loc.schedules, location_id=loc.id)
    )
    existing = Service.objects.in_bulk([uuid.UUID(pk) for pk in plan.services])
    _upsert(
        Service,
        {
            s.id: {
                **_verification(s.fields, existing.get(uuid.UUID(s.id))),
                "organisation_id": s.organisation_id,
            }
            for s in plan.services.values()
        },
    )
    services = _uuids(plan.services)
    for model in (ServiceArea, Phone, Schedule):
        model._default_manager.filter(service_id__in=services).delete()
    # Links to confidential locations are never exported, so a file cannot mean to drop them.
    links = ServiceAtLocation.objects.filter(service_id__in=services)
    links.exclude(location__is_confidential=True).delete()
    kept = {(str(s), str(loc)) for s, loc in links.values_list("service_id", "location_id")}
    ServiceArea.objects.bulk_create(
        ServiceArea(id=area_id, service_id=s.id, country=country, admin1=admin1)
        for s in plan.services.values()
        for area_id, country, admin1 in s.areas
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(id=link_id, service_id=s.id, location_id=location_id, description=text)
        for s in plan.services.values()
        for link_id, location_id, text in s.links
        if (s.id, location_id) not in kept
    )
    Phone.objects.bulk_create(
        phone for s in plan.services.values() for phone in _phones(s.phones, service_id=s.id)
    )
    Schedule.objects.bulk_create(
        schedule
        for s in plan.services.values()
        for schedule in _schedules(s.schedules, service_id=s.id)
    )


def import_document(
    document: Any,
    *,
    membership: Membership | None,
    origins: Mapping[int, str] | None = None,
    source: str = "json",
    problems: list[Problem] | None = None,
) -> ImportSummary:
    """Check the whole document, then write all of it or nothing (raises HsdsImportError).

    ``problems`` are those found before the document was put together (in a package's CSV).
    """
    plan, reader = read_document(document, origins)
    found = [*(problems or []), *reader.problems]
    if found:
        raise HsdsImportError(found[:MAX_PROBLEMS])
    try:
        with transaction.atomic():
            _write(plan)
            summary = ImportSummary(
                organisations=len(plan.organisations),
                locations=len(plan.locations),
                services=len(plan.services),
            )
            audit.record(
                "directory.hsds_imported",
                actor=membership.user if membership else None,
                organisation=membership.organisation if membership else None,
                details={
                    "source": source,
                    "organisations": summary.organisations,
                    "locations": summary.locations,
                    "services": summary.services,
                },
            )
    except IntegrityError as error:
        raise HsdsImportError([Problem("", "", str(CONFLICT))]) from error
    return summary


def parse_json(data: bytes) -> Any:
    """The document in a JSON file, or HsdsImportError."""
    if len(data) > MAX_FILE_BYTES:
        raise HsdsImportError([Problem("", "", too_big_message())])
    try:
        return untrusted.read_json(data, max_bytes=MAX_FILE_BYTES, max_values=None)
    except untrusted.Unreadable as error:
        raise HsdsImportError([Problem("", "", str(NOT_JSON))]) from error


def import_json(data: bytes, *, membership: Membership | None) -> ImportSummary:
    return import_document(parse_json(data), membership=membership, source="json")
