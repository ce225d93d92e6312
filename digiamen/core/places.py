"""Countries and their first-level areas (admin-1), with Arabic, French and English names.

Codes are ISO 3166-1 and ISO 3166-2 (checked against pycountry); the names are the
project's own data in ``data/admin1.json``, kept current (Morocco's 12 regions of 2015,
Algeria's 58 wilayas of 2019). Other countries and the admin-2 level come with the
directory's place import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

COUNTRY_CODES: tuple[str, ...] = ("MA", "TN", "DZ", "EG", "JO", "MR", "SD", "LY")
DATA = Path(__file__).resolve().parent / "data" / "admin1.json"


@dataclass(frozen=True)
class Area:
    code: str
    country: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["en"]


@cache
def _data() -> dict[str, Any]:
    return dict(json.loads(DATA.read_text(encoding="utf-8"))["countries"])


@cache
def _areas_by_code() -> dict[str, Area]:
    return {
        entry["code"]: Area(entry["code"], country, dict(entry["name"]))
        for country, data in _data().items()
        for entry in data["areas"]
    }


def country_name(code: str, language: str) -> str:
    data = _data().get(code)
    if data is not None:
        return str(data["name"].get(language) or data["name"]["en"])
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country else code


def areas(country: str) -> list[Area]:
    return [area for area in _areas_by_code().values() if area.country == country]


def area(code: str) -> Area | None:
    return _areas_by_code().get(code)


def is_area_of(code: str, country: str) -> bool:
    found = area(code)
    return found is not None and found.country == country
