"""What an HSDS import will write: the ``Plan`` the reader makes of a document.

``hsds_read`` fills a plan from the document, ``hsds_check`` compares it with the directory and
``hsds_write`` writes it. Ids are canonical UUID strings; an id the reader refused is "".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from typing import Any


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


def uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    return [uuid.UUID(pk) for pk in ids]
