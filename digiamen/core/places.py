"""Countries and their first-level administrative areas (admin-1) in Arabic, French and English.

The codes are ISO 3166-1 alpha-2 (countries) and ISO 3166-2 (areas), as shipped by pycountry.
The names are the project's own data, kept current in ``data/admin1.json`` (Morocco's 12 regions
of 2015, Algeria's 58 wilayas of 2019, ...): pycountry's names are romanisations, sometimes dated,
and it has no Arabic or French. The file covers the eight countries in ``COUNTRY_CODES``; other
countries and the admin-2 level (provinces, delegations, moughataas) can be added by an admin
later. For a country outside the file, ``country_name`` falls back to pycountry's name,
translated by the ISO 3166-1 catalogues pycountry ships (its common name, such as "Syria",
when that has a translation).
"""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

COUNTRY_CODES: tuple[str, ...] = ("MA", "TN", "DZ", "EG", "JO", "MR", "SD", "LY")
LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
DATA = Path(__file__).resolve().parent / "data" / "admin1.json"


def _language(language: str) -> str:
    """Reduce "fr-ca" to "fr"; a language outside ``LANGUAGES`` becomes "en"."""
    short = language.split("-")[0].split("_")[0].lower()
    return short if short in LANGUAGES else "en"


@dataclass(frozen=True)
class Area:
    code: str
    country: str
    names: dict[str, str] = field(hash=False)

    def name(self, language: str) -> str:
        return self.names.get(_language(language)) or self.names["en"]


@dataclass(frozen=True)
class _Places:
    country_names: dict[str, dict[str, str]]
    by_country: dict[str, list[Area]]
    by_code: dict[str, Area]


@cache
def _places() -> _Places:
    raw: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))["countries"]
    country_names: dict[str, dict[str, str]] = {}
    by_country: dict[str, list[Area]] = {}
    for country, data in raw.items():
        country_names[country] = {k: str(v) for k, v in data["name"].items()}
        by_country[country] = sorted(
            (
                Area(str(entry["code"]), country, {k: str(v) for k, v in entry["name"].items()})
                for entry in data["areas"]
            ),
            key=lambda a: a.code,
        )
    by_code = {a.code: a for country_areas in by_country.values() for a in country_areas}
    return _Places(country_names, by_country, by_code)


def country_name(code: str, language: str) -> str:
    names = _places().country_names.get(code)
    if names is not None:
        return names.get(_language(language)) or names["en"]
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code
    catalogue = _iso_country_names(_language(language))
    official = str(country.name)
    common = str(getattr(country, "common_name", "") or "")
    for name in (common, official):
        if name and (catalogue.gettext(name) != name or _language(language) == "en"):
            return catalogue.gettext(name)
    return official


@cache
def _iso_country_names(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def areas(country: str) -> list[Area]:
    return list(_places().by_country.get(country, ()))


def area(code: str) -> Area | None:
    return _places().by_code.get(code)


def is_area_of(code: str, country: str) -> bool:
    found = area(code)
    return found is not None and found.country == country
