"""How many active services cover each area, per service type: the gaps in the ecosystem map.

A service for a whole country covers each of its areas; a service for an area covers that
area. Counts come from one query over service areas, so the matrix for every country costs
the same as for one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from digiamen.core import places as core_places
from digiamen.directory import places
from digiamen.directory.models import ServiceArea
from digiamen.directory.taxonomy import ServiceStatus, ServiceType


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    cells: list[int]  # one per service type, in ServiceType order
    # Network view: a cell counts the areas covered out of ``of`` areas of the country.
    of: int = 0

    @property
    def total(self) -> int:
        return sum(self.cells)

    @property
    def gaps(self) -> int:
        return sum(1 for cell in self.cells if cell == 0)


@dataclass(frozen=True)
class Matrix:
    title: str
    rows: list[Row]
    types: list[tuple[str, str]]

    def column(self, service_type: str) -> dict[str, int]:
        index = [code for code, _label in self.types].index(service_type)
        return {row.code: row.cells[index] for row in self.rows}


def _types() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ServiceType.choices]


def _coverage() -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], set[str]]]:
    """({(country, type): services for the whole country}, {(area, type): area services})."""
    whole: dict[tuple[str, str], set[str]] = defaultdict(set)
    local: dict[tuple[str, str], set[str]] = defaultdict(set)
    rows = ServiceArea.objects.filter(service__status=ServiceStatus.ACTIVE).values_list(
        "country", "admin1", "service__service_type", "service_id"
    )
    for country, admin1, service_type, service_id in rows:
        if admin1:
            local[(admin1, service_type)].add(str(service_id))
        else:
            whole[(country, service_type)].add(str(service_id))
    return whole, local


def country_matrix(country: str) -> Matrix:
    whole, local = _coverage()
    types = _types()
    rows = []
    for area in places.areas_of(country, level=1):
        cells = [len(whole[(country, code)] | local[(area.code, code)]) for code, _ in types]
        rows.append(Row(area.code, area.name, cells))
    return Matrix(places.country_name(country), rows, types)


def network_matrix() -> Matrix:
    """Per country: in how many of its areas each type of service is available."""
    whole, local = _coverage()
    types = _types()
    rows = []
    countries = [c for c in places.countries_in_use() if places.areas_of(c, level=1)]
    for country in countries:
        areas = places.areas_of(country, level=1)
        cells = []
        for code, _label in types:
            if whole[(country, code)]:
                cells.append(len(areas))
            else:
                cells.append(sum(1 for area in areas if local[(area.code, code)]))
        rows.append(Row(country, places.country_name(country), cells, of=len(areas)))
    return Matrix("", rows, types)


def default_country(organisation_country: str) -> str:
    if organisation_country in core_places.COUNTRY_CODES:
        return organisation_country
    return core_places.COUNTRY_CODES[0]
