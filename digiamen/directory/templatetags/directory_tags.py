"""Showing directory codes as words: languages, days of the week, area names."""

from __future__ import annotations

from django import template

from digiamen.directory import places
from digiamen.directory.forms import DAYS
from digiamen.directory.taxonomy import SERVICE_LANGUAGES

register = template.Library()


@register.filter
def language_names(codes: list[str]) -> str:
    return ", ".join(SERVICE_LANGUAGES.get(code, code) for code in codes or [])


@register.filter
def day_names(byday: str) -> str:
    names = dict(DAYS)
    return ", ".join(str(names.get(day, day)) for day in (byday or "").split(",") if day)


@register.filter
def area_name(code: str) -> str:
    return places.place_name(code)
