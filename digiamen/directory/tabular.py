"""The directory as an HSDS 3.0 tabular data package: a zip of CSV tables and datapackage.json.

The package is the JSON document (``directory.hsds``) cut into one table per HSDS entity, each
row keeping its links (``service_id``, ``location_id``, ``link_id`` ...). Reading it back joins
the rows into the same document and hands it to ``hsds_import``, so the two formats share every
rule; each object remembers its table and line, which is what a problem report names.

Zip files are read with limits on the number of members and on their unpacked size, so a small
zip that unpacks to gigabytes is refused before it is unpacked.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership
from digiamen.directory import hsds
from digiamen.directory.hsds_import import (
    MAX_FILE_BYTES,
    UNKNOWN_ORGANISATION,
    HsdsImportError,
    ImportSummary,
    Problem,
    import_document,
    too_big_message,
)

# The columns of each table, in HSDS's own names; they cover every field the export writes.
TABLES: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "alternate_name", "description", "email", "website"),
    "service": (
        "id",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "fees_description",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "assurer_email",
        "last_modified",
    ),
    "location": (
        "id",
        "location_type",
        "organization_id",
        "name",
        "description",
        "transportation",
        "latitude",
        "longitude",
    ),
    "address": (
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "accessibility": ("id", "location_id", "description"),
    "phone": (
        "id",
        "location_id",
        "service_id",
        "organization_id",
        "number",
        "extension",
        "type",
        "description",
    ),
    "schedule": (
        "id",
        "service_id",
        "location_id",
        "freq",
        "byday",
        "opens_at",
        "closes_at",
        "description",
    ),
    "service_area": ("id", "service_id", "name", "extent", "extent_type"),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "language": ("id", "service_id", "location_id", "phone_id", "name", "code"),
    "attribute": ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value"),
    "taxonomy_term": ("id", "code", "name", "description", "taxonomy"),
}
NUMBER_COLUMNS = frozenset({"minimum_age", "maximum_age", "latitude", "longitude", "extension"})
COLUMN_TYPES = {
    "assured_date": "date",
    "last_modified": "datetime",
    "opens_at": "time",
    "closes_at": "time",
}
# List fields of an object and the table their items go to.
CHILD_TABLES = {
    "locations": "location",
    "addresses": "address",
    "accessibility": "accessibility",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "languages": "language",
    "attributes": "attribute",
}
MAX_MEMBERS = 40
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # zip entries carry no clock time, so exports compare equal

NOT_ZIP = _("The file is not a zip file.")
NOT_PACKAGE = _("The zip holds no HSDS tables (organization.csv, service.csv, ...).")
NOT_UTF8 = _("This table is not UTF-8 text.")
NOT_CSV = _("This table is not valid CSV.")
NO_ID_COLUMN = _('This table has no "id" column.')
EXTRA_CELLS = _("This line has more cells than the header.")
TWICE_IN_ZIP = _("This table appears twice in the zip.")
UNPACKS_TOO_BIG = _("The zip unpacks to too much data.")


# Writing ----------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def flatten(document: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """One list of rows per table; an object met twice (a shared location) is written once."""
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    seen: dict[str, set[str]] = defaultdict(set)

    def add(table: str, obj: dict[str, Any]) -> None:
        if obj["id"] in seen[table]:
            return
        seen[table].add(obj["id"])
        tables[table].append({column: _cell(obj.get(column)) for column in TABLES[table]})
        for key, child_table in CHILD_TABLES.items():
            for child in obj.get(key) or []:
                add(child_table, child)
        if isinstance(obj.get("location"), dict):
            add("location", obj["location"])
        if isinstance(obj.get("taxonomy_term"), dict):
            add("taxonomy_term", obj["taxonomy_term"])

    for organisation in document["organizations"]:
        add("organization", organisation)
    for service in document["services"]:
        add("service", service)
    return tables


def _csv(columns: Iterable[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _descriptor() -> dict[str, Any]:
    def field_type(column: str) -> str:
        if column in NUMBER_COLUMNS:
            return "number"
        return COLUMN_TYPES.get(column, "string")

    return {
        "name": "digiamen-directory",
        "title": "Digi-Amen service directory",
        "description": "Open Referral HSDS 3.0 tabular data package.",
        "profile": "tabular-data-package",
        "resources": [
            {
                "name": table,
                "path": f"{table}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": field_type(c)} for c in columns],
                    "primaryKey": "id",
                },
            }
            for table, columns in TABLES.items()
        ],
    }


def export_package(document: dict[str, Any] | None = None) -> bytes:
    """The zip: datapackage.json and one CSV per table, rows in the document's order."""
    tables = flatten(document if document is not None else hsds.export_document())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        descriptor = json.dumps(_descriptor(), indent=1).encode()
        package.writestr(zipfile.ZipInfo("datapackage.json", FIXED_DATE), descriptor)
        for table, columns in TABLES.items():
            info = zipfile.ZipInfo(f"{table}.csv", FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, _csv(columns, tables[table]))
    return buffer.getvalue()


# Reading ----------------------------------------------------------------------------------

Row = dict[str, Any]


class _Tables:
    """The package's rows, each remembered with its file and line."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.origins: dict[int, str] = {}
        self.problems: list[Problem] = []

    def add(self, table: str, line: int, row: Row) -> None:
        self.rows[table].append(row)
        self.origins[id(row)] = f"{table}.csv, line {line}"

    def by(self, table: str, column: str) -> dict[str, list[Row]]:
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows[table]:
            key = row.get(column)
            if isinstance(key, str) and key:
                grouped[key].append(row)
        return grouped


def _typed(column: str, text: str) -> Any:
    """Numbers as numbers (what cannot be read stays text, for the reader to refuse)."""
    if column not in NUMBER_COLUMNS:
        return text
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            continue
    return text


def _read_table(tables: _Tables, table: str, data: bytes) -> None:
    where = f"{table}.csv"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        tables.problems.append(Problem(where, "", str(NOT_UTF8)))
        return
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if "id" not in (reader.fieldnames or []):
            tables.problems.append(Problem(where, "", str(NO_ID_COLUMN)))
            return
        for raw in reader:
            if None in raw:
                tables.problems.append(
                    Problem(f"{where}, line {reader.line_num}", "", str(EXTRA_CELLS))
                )
                continue
            row = {
                column: _typed(column, value.strip())
                for column, value in raw.items()
                if column in TABLES[table] and value is not None and value.strip() != ""
            }
            tables.add(table, reader.line_num, row)
    except csv.Error:
        tables.problems.append(Problem(where, "", str(NOT_CSV)))


def read_package(data: bytes) -> _Tables:
    if len(data) > MAX_FILE_BYTES:
        raise HsdsImportError([Problem("", "", too_big_message())])
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise HsdsImportError([Problem("", "", str(NOT_ZIP))]) from error
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise HsdsImportError([Problem("", "", str(UNPACKS_TOO_BIG))])
    tables = _Tables()
    found: set[str] = set()
    for member in members:
        name = PurePosixPath(member.filename).name
        table = name.removesuffix(".csv")
        if not name.endswith(".csv") or table not in TABLES or member.is_dir():
            continue  # datapackage.json, and HSDS tables the directory does not keep
        if table in found:
            tables.problems.append(Problem(name, "", str(TWICE_IN_ZIP)))
            continue
        found.add(table)
        try:
            with package.open(member) as stream:
                # The declared size can lie; never read more than it says, plus one byte.
                data = stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
            tables.problems.append(Problem(name, "", str(NOT_ZIP)))
            continue
        if len(data) > member.file_size:
            raise HsdsImportError([Problem("", "", str(UNPACKS_TOO_BIG))])
        _read_table(tables, table, data)
    if not found & {"organization", "service"}:
        raise HsdsImportError([Problem("", "", str(NOT_PACKAGE))])
    return tables


def assemble(tables: _Tables) -> dict[str, Any]:
    """Join the rows back into one HSDS document (each row object becomes a document object)."""
    terms = {row["id"]: row for row in tables.rows["taxonomy_term"] if "id" in row}
    attributes = tables.by("attribute", "link_id")
    for row in tables.rows["attribute"]:
        term = terms.get(row.get("taxonomy_term_id", ""))
        if term is not None:
            row["taxonomy_term"] = term
    languages_of_phone = tables.by("language", "phone_id")
    for row in tables.rows["phone"]:
        row["languages"] = languages_of_phone.get(row.get("id", ""), [])

    def owned(table: str, column: str, key: str, *, without: tuple[str, ...] = ()) -> list[Row]:
        return [
            row
            for row in tables.by(table, column).get(key, [])
            if not any(row.get(other) for other in without)
        ]

    locations: dict[str, Row] = {}
    for row in tables.rows["location"]:
        key = row.get("id", "")
        row["addresses"] = owned("address", "location_id", key)
        row["accessibility"] = owned("accessibility", "location_id", key)
        row["phones"] = owned("phone", "location_id", key, without=("service_id",))
        row["schedules"] = owned("schedule", "location_id", key, without=("service_id",))
        row["languages"] = owned("language", "location_id", key, without=("phone_id",))
        row["attributes"] = attributes.get(key, [])
        locations[key] = row

    organisations = tables.rows["organization"]
    organisation_ids = {row.get("id") for row in organisations}
    locations_of = tables.by("location", "organization_id")
    for row in organisations:
        key = row.get("id", "")
        row["phones"] = owned("phone", "organization_id", key)
        row["locations"] = locations_of.get(key, [])
        row["attributes"] = attributes.get(key, [])

    linked: set[str] = set()
    for row in tables.rows["service"]:
        key = row.get("id", "")
        row["phones"] = owned("phone", "service_id", key)
        row["schedules"] = owned("schedule", "service_id", key)
        row["service_areas"] = owned("service_area", "service_id", key)
        row["languages"] = owned("language", "service_id", key, without=("phone_id",))
        row["attributes"] = attributes.get(key, [])
        row["service_at_locations"] = owned("service_at_location", "service_id", key)
        for link in row["service_at_locations"]:
            location = locations.get(link.get("location_id", ""))
            linked.add(link.get("location_id", ""))
            if location is not None and location.get("organization_id") not in organisation_ids:
                link["location"] = location  # a location whose organisation is not in the file

    for key, location in locations.items():
        if location.get("organization_id") not in organisation_ids and key not in linked:
            tables.problems.append(
                Problem(tables.origins[id(location)], "organization_id", str(UNKNOWN_ORGANISATION))
            )
    return {
        "version": hsds.HSDS_VERSION,
        "organizations": organisations,
        "services": tables.rows["service"],
    }


def import_package(data: bytes, *, membership: Membership | None) -> ImportSummary:
    """Check every table, then import all of the package or nothing (raises HsdsImportError)."""
    tables = read_package(data)
    document = assemble(tables)
    return import_document(
        document,
        membership=membership,
        origins=tables.origins,
        source="datapackage",
        problems=tables.problems,
    )
