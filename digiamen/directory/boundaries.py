"""Importing area outlines from a GeoJSON file; nothing is ever fetched at run time.

Two kinds of files are understood:

* any FeatureCollection whose features carry an ISO 3166-2 code (or a code of an added area)
  in one of their properties, e.g. ``{"iso_3166_2": "TN-61"}``;
* OCHA common operational datasets (COD-AB) at admin level 1: features with ``ADM1_PCODE``
  and the area's name in ``ADM1_EN`` / ``ADM1_FR`` / ``ADM1_AR`` (or ``ADM1_REF``), matched
  against the project's names of the areas of the country in ``ADM0_PCODE``.

Geometries must be Polygon or MultiPolygon in longitude/latitude (WGS 84). They are simplified
on import (coordinates rounded to 0.001°, about 100 m, which is finer than any map we draw, and
repeated points dropped). An import is all or nothing: one bad feature and nothing is stored,
and every problem is reported with the feature's index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from digiamen.accounts.models import User
from digiamen.core import audit, untrusted
from digiamen.directory import places
from digiamen.directory.models import Boundary

MAX_BYTES = 30 * 1024 * 1024
MAX_FEATURES = 5_000
MAX_POINTS = 2_000_000
DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo-boundaries.geojson"
AREA_CODE = re.compile(r"[A-Z]{2}[-A-Z0-9]{2,14}")
NAME_PROPERTIES = ("ADM1_EN", "ADM1_FR", "ADM1_AR", "ADM1_REF", "ADM1ALT1EN", "ADM1_NAME")


@dataclass(frozen=True)
class Problem:
    feature: int | None  # None: the file as a whole
    why: str


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class BoundaryImportError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _normalised(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if c.isalnum())
    return letters


def _names_index(country: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for language in ("ar", "fr", "en"):
        for area in places.areas_of(country, language, level=1):
            index.setdefault(_normalised(area.name), area.code)
    return index


def _match(properties: dict[str, Any]) -> tuple[str | None, str]:
    """(area code, P-code) of a feature, or (None, why)."""
    for value in properties.values():
        if isinstance(value, str) and AREA_CODE.fullmatch(value.strip()):
            found = places.place(value.strip())
            if found is not None and found.level >= 1:
                return found.code, str(properties.get("ADM1_PCODE", ""))[:20]
    pcode = properties.get("ADM1_PCODE")
    if isinstance(pcode, str) and len(pcode) >= 2:
        country = str(properties.get("ADM0_PCODE") or pcode[:2])[:2].upper()
        if not places.is_country(country):
            return None, _("The country code %(code)s is not known.") % {"code": country[:8]}
        index = _names_index(country)
        for name_property in NAME_PROPERTIES:
            name = properties.get(name_property)
            if isinstance(name, str) and _normalised(name) in index:
                return index[_normalised(name)], pcode[:20]
        return None, _("No area of %(country)s has this feature's name.") % {"country": country}
    return None, _("No property holds an ISO 3166-2 area code or an OCHA P-code.")


def _coordinates_ok(ring: Any) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        return False
    for point in ring:
        if not (isinstance(point, list) and len(point) >= 2):
            return False
        x, y = point[0], point[1]
        if isinstance(x, bool) or isinstance(y, bool):
            return False
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            return False
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            return False
    return True


def _simplify_ring(ring: list[list[float]]) -> list[list[float]]:
    simplified: list[list[float]] = []
    for point in ring:
        rounded = [round(float(point[0]), 3), round(float(point[1]), 3)]
        if not simplified or simplified[-1] != rounded:
            simplified.append(rounded)
    if simplified[0] != simplified[-1]:
        simplified.append(simplified[0])
    return simplified


def _polygons(geometry: Any) -> list[Any] | None:
    """The geometry as a list of polygons (each a list of rings), or None if not valid."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons: list[Any]
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        return None
    if not polygons or not all(isinstance(p, list) and p for p in polygons):
        return None
    if not all(_coordinates_ok(ring) for polygon in polygons for ring in polygon):
        return None
    return polygons


def parse(data: bytes) -> tuple[dict[str, tuple[str, str, dict[str, Any]]], list[Problem]]:
    """{area code: (country, P-code, simplified geometry)} and the problems found."""
    if len(data) > MAX_BYTES:
        return {}, [Problem(None, _("The file is too large."))]
    try:
        # Coordinates are many small numbers: the file size bounds them, not a count.
        document = untrusted.read_json(data, max_bytes=MAX_BYTES, max_values=None)
    except untrusted.Unreadable:
        return {}, [Problem(None, _("The file is not GeoJSON in UTF-8."))]
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return {}, [Problem(None, _("The file is not a GeoJSON FeatureCollection."))]
    features = document.get("features")
    if not isinstance(features, list) or not features:
        return {}, [Problem(None, _("The file has no features."))]
    if len(features) > MAX_FEATURES:
        return {}, [Problem(None, _("The file has too many features."))]
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    problems: list[Problem] = []
    points = 0
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            problems.append(Problem(index, _("This feature has no properties.")))
            continue
        code, pcode_or_why = _match(feature["properties"])
        if code is None:
            problems.append(Problem(index, pcode_or_why))
            continue
        polygons = _polygons(feature.get("geometry"))
        if polygons is None:
            problems.append(
                Problem(index, _("The outline must be a Polygon or MultiPolygon in degrees."))
            )
            continue
        points += sum(len(ring) for polygon in polygons for ring in polygon)
        if points > MAX_POINTS:
            return {}, [Problem(None, _("The file has too many points."))]
        if code in found:
            problems.append(Problem(index, _("Another feature has the same area.")))
            continue
        simplified = [[_simplify_ring(ring) for ring in polygon] for polygon in polygons]
        geometry = {"type": "MultiPolygon", "coordinates": simplified}
        found[code] = (code[:2], pcode_or_why, geometry)
    return found, problems


def import_boundaries(data: bytes, *, actor: User | None, source: str = "") -> ImportResult:
    """Store every outline of the file, or none of them (raises ``BoundaryImportError``)."""
    found, problems = parse(data)
    if problems:
        raise BoundaryImportError(problems)
    with transaction.atomic():
        for code, (_country, pcode, geometry) in found.items():
            place = places.place(code)
            Boundary.objects.update_or_create(
                area_code=code,
                defaults={
                    "country": place.country if place else code[:2],
                    "pcode": pcode,
                    "geometry": geometry,
                    "source": source[:200],
                    "imported_by": actor,
                },
            )
        audit.record(
            "directory.boundaries_imported",
            actor=actor,
            details={"areas": len(found), "source": source[:100]},
        )
    return ImportResult(imported=sorted(found))


def import_demo_boundaries(actor: User | None = None) -> ImportResult:
    return import_boundaries(
        DEMO_FILE.read_bytes(), actor=actor, source="Digi-Amen demo (schematic, not real borders)"
    )
