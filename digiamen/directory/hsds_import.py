"""Reading an HSDS 3.0 document into the directory: everything checked first, then all or nothing.

The reader walks the document once and collects every problem as (row, field, why); only a
document without problems is written, in one transaction. Records are matched by id: a record
in the file replaces the one with the same id (its phones, schedules, areas and links are
replaced with the file's); records not in the file are left alone. The tabular datapackage is
turned into the same document (``directory.tabular``), with each object's CSV line kept in
``origins`` so that a problem names the file and line it comes from.

The rules are the directory's own: area codes through ``directory.places`` (an area of another
country is refused), texts through ``directory.validation``, lengths from the models.

This module is the way in: the limits and ``import_document``. The stages, in order:

- ``hsds_read``: the document, record by record, into a ``Plan`` (``hsds_plan``), each value
  through the ``Reader`` (``hsds_reader``), which notes the problems (``hsds_problems``);
- ``hsds_check``: the plan against the directory (ids taken, references to unknown records);
- ``hsds_write``: the plan into the directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import ngettext

from digiamen.accounts.models import Membership
from digiamen.core import audit, untrusted
from digiamen.directory.hsds_check import check_against_directory
from digiamen.directory.hsds_plan import Plan
from digiamen.directory.hsds_problems import (
    CONFLICT,
    NOT_JSON,
    TAKEN_ID,
    UNKNOWN_LOCATION,
    UNKNOWN_ORGANISATION,
    HsdsImportError,
    Problem,
    StopReading,
)
from digiamen.directory.hsds_read import read_document
from digiamen.directory.hsds_reader import Limits, Reader
from digiamen.directory.hsds_write import write

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS",
    "TAKEN_ID",
    "UNKNOWN_LOCATION",
    "UNKNOWN_ORGANISATION",
    "HsdsImportError",
    "ImportSummary",
    "Problem",
    "import_document",
    "import_json",
    "parse_json",
    "too_big_message",
]

# The limits live here and reach the reader at each import (``Limits``): lowering one here,
# as tests do, lowers it for every stage.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 50_000  # organisations, locations and services together
MAX_OBJECTS = 500_000  # every object of the document, phones and attributes included
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class ImportSummary:
    organisations: int
    locations: int
    services: int


def too_big_message(limit_bytes: int = MAX_FILE_BYTES) -> str:
    megabytes = limit_bytes // (1024 * 1024)
    return ngettext(
        "The file is too big: at most %(count)d MB.",
        "The file is too big: at most %(count)d MB.",
        megabytes,
    ) % {"count": megabytes}


def _read_and_check(document: Any, origins: Mapping[int, str] | None) -> tuple[Plan, list[Problem]]:
    """The document's plan, checked against the directory, and every problem found in it."""
    limits = Limits(records=MAX_RECORDS, objects=MAX_OBJECTS, problems=MAX_PROBLEMS)
    reader = Reader(limits, origins)
    plan = Plan()
    try:
        read_document(reader, document, plan)
        check_against_directory(reader, plan)
    except StopReading:
        pass  # the problems noted so far are the answer
    return plan, reader.problems


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
    plan, document_problems = _read_and_check(document, origins)
    found = [*(problems or []), *document_problems]
    if found:
        raise HsdsImportError(found[:MAX_PROBLEMS])
    try:
        with transaction.atomic():
            write(plan)
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
