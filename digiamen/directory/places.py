"""Places as the directory sees them: the project's admin-1 areas plus the areas admins added.

``digiamen.core.places`` holds the eight countries' admin-1 areas as shipped data; admins add
admin-2 areas (under an admin-1 area) and the admin-1 areas of other countries as
``AddedArea`` rows. Everything in the directory that takes an area code goes through here, so
an area of another country, or a made-up code, is refused the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry
from django.utils.translation import get_language

from digiamen.core import places
from digiamen.directory.models import AddedArea


@dataclass(frozen=True)
class Place:
    code: str
    country: str
    name: str
    level: int  # 0 a whole country, 1 an admin-1 area, 2 an admin-2 area
    parent: str = ""


def _language(language: str | None) -> str:
    return (language or get_language() or "en").split("-")[0]


def is_country(code: str) -> bool:
    return (
        len(code) == 2
        and code.isascii()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )


def country_name(code: str, language: str | None = None) -> str:
    return places.country_name(code, _language(language))


def _added_name(added: AddedArea, language: str) -> str:
    names = added.names or {}
    return str(names.get(language) or names.get("en") or next(iter(names.values()), added.code))


def areas_of(country: str, language: str | None = None, *, level: int | None = None) -> list[Place]:
    """The areas of a country, shipped first, then added ones, each level sorted by code."""
    lang = _language(language)
    found = [Place(a.code, country, a.name(lang), 1) for a in places.areas(country)]
    for added in AddedArea.objects.filter(country=country).order_by("level", "code"):
        found.append(
            Place(added.code, country, _added_name(added, lang), added.level, added.parent)
        )
    if level is not None:
        found = [place for place in found if place.level == level]
    return found


def place(code: str, language: str | None = None) -> Place | None:
    """A country code, a shipped admin-1 code or an added area's code; None if unknown."""
    lang = _language(language)
    if len(code) == 2:
        return Place(code, code, country_name(code, lang), 0) if is_country(code) else None
    shipped = places.area(code)
    if shipped is not None:
        return Place(shipped.code, shipped.country, shipped.name(lang), 1)
    added = AddedArea.objects.filter(code=code).first()
    if added is None:
        return None
    return Place(added.code, added.country, _added_name(added, lang), added.level, added.parent)


def place_name(code: str, language: str | None = None) -> str:
    found = place(code, language) if code else None
    return found.name if found else code


def area_in_country(code: str, country: str) -> bool:
    """Is ``code`` an area (of any level) of ``country``?"""
    found = place(code) if len(code) > 2 else None
    return found is not None and found.country == country


def countries_in_use() -> list[str]:
    """The project's eight countries, then the other countries admins added areas for."""
    added = AddedArea.objects.exclude(country__in=places.COUNTRY_CODES).values_list(
        "country", flat=True
    )
    return [*places.COUNTRY_CODES, *sorted(set(added))]
