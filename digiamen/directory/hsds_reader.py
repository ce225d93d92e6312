"""Reading values out of an HSDS document's objects, each problem noted once with where it is.

The ``Reader`` knows fields, not records: a text, an id, a number, a choice, a list of objects,
and the parts every record may have (phones, schedules, languages, the project's attributes).
Walking the document record by record is ``hsds_read``'s. The reader stops the reading
(``StopReading``) when the problems or the objects pass the ``Limits`` it was given.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models

from digiamen.core import untrusted
from digiamen.directory import hsds
from digiamen.directory.hsds_plan import PhonePlan, SchedulePlan
from digiamen.directory.hsds_problems import (
    BAD_TRANSLATIONS,
    DUPLICATE_ID,
    NOT_A_CHOICE,
    NOT_BOOLEAN,
    NOT_EMAIL,
    NOT_TIME,
    NOT_URL,
    NOT_UUID,
    OUT_OF_RANGE,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_CODE,
    UNKNOWN_LANGUAGE,
    WRONG_TYPE,
    Problem,
    StopReading,
    too_many_message,
)
from digiamen.directory.models import Phone, Schedule
from digiamen.directory.taxonomy import SERVICE_LANGUAGES, PhoneType, ServiceType
from digiamen.directory.validation import text_problem

TRANSLATED_FIELDS = ("name", "description")


@dataclass(frozen=True)
class Limits:
    """How much of a document is read; ``hsds_import`` holds the numbers."""

    records: int  # organisations, locations and services together
    objects: int  # every object of the document, phones and attributes included
    problems: int


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

    def __init__(self, limits: Limits, origins: Mapping[int, str] | None = None) -> None:
        self.limits = limits
        self.problems: list[Problem] = []
        self.origins = origins or {}
        self.seen_ids: dict[str, set[str]] = {}
        self.objects_read = 0

    # Where things are -------------------------------------------------------------------
    def row(self, obj: Any, path: str) -> str:
        return self.origins.get(id(obj), path)

    def note(self, obj: Any, path: str, name: str, why: Any) -> None:
        self.problems.append(Problem(self.row(obj, path), name, str(why)))
        if len(self.problems) >= self.limits.problems:
            raise StopReading

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
        if self.objects_read > self.limits.objects:
            self.problems.append(Problem("", "", too_many_message(self.limits.objects)))
            raise StopReading
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
