"""How many active services cover each area, per service type: the gaps in the ecosystem map.

A service for a whole country covers each of its areas; a service for an area covers that
area. The database counts, grouped by area and type, so the cost does not grow with the number
of services shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

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


def _coverage(
    country: str | None = None,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """({(country, type): services for the whole country}, {(area, type): other services of
    the area}), counted by the database. A service listed both for its whole country and for
    one of its areas is counted once, as country-wide."""
    active = ServiceArea.objects.filter(service__status=ServiceStatus.ACTIVE)
    if country is not None:
        active = active.filter(country=country)
    whole_rows = (
        active.filter(admin1="")
        .values_list("country", "service__service_type")
        .annotate(n=Count("service_id", distinct=True))
        .order_by()
    )
    country_wide_too = ServiceArea.objects.filter(
        service=OuterRef("service"), country=OuterRef("country"), admin1=""
    )
    local_rows = (
        active.exclude(admin1="")
        .exclude(Exists(country_wide_too))
        .values_list("admin1", "service__service_type")
        .annotate(n=Count("service_id", distinct=True))
        .order_by()
    )
    whole = {(code, kind): n for code, kind, n in whole_rows}
    local = {(code, kind): n for code, kind, n in local_rows}
    return whole, local


def country_matrix(country: str) -> Matrix:
    whole, local = _coverage(country)
    types = _types()
    rows = []
    for area in places.areas_of(country, level=1):
        cells = [
            whole.get((country, code), 0) + local.get((area.code, code), 0) for code, _ in types
        ]
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
            if whole.get((country, code)):
                cells.append(len(areas))
            else:
                cells.append(sum(1 for area in areas if local.get((area.code, code))))
        rows.append(Row(country, places.country_name(country), cells, of=len(areas)))
    return Matrix("", rows, types)


def default_country(organisation_country: str) -> str:
    if organisation_country in core_places.COUNTRY_CODES:
        return organisation_country
    return core_places.COUNTRY_CODES[0]
