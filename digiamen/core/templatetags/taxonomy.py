"""Show taxonomy codes as words in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from digiamen.core import places
from digiamen.core.taxonomy import HarmType, Platform, UrgentFlag
from digiamen.core.text import list_separator

register = template.Library()


def _labels(codes: Any, choices: Any) -> str:
    names = dict(choices)
    separator = list_separator(get_language())
    return separator.join(str(names.get(code, code)) for code in codes or [])


@register.filter
def harm_labels(codes: Any) -> str:
    return _labels(codes, HarmType.choices)


@register.filter
def platform_labels(codes: Any) -> str:
    return _labels(codes, Platform.choices)


@register.filter
def flag_labels(codes: Any) -> str:
    return _labels(codes, UrgentFlag.choices)


@register.filter
def place_name(report: Any) -> str:
    """Country and area of a report, in words."""
    language = get_language() or "en"
    parts = []
    if report.country:
        parts.append(places.country_name(report.country, language))
    area = places.area(report.admin1) if report.admin1 else None
    if area is not None:
        parts.append(area.name(language))
    return " · ".join(parts)


@register.filter
def area_name(code: str) -> str:
    """An admin-1 area's name in the reader's language; the code if unknown."""
    area = places.area(code) if code else None
    return area.name(get_language() or "en") if area is not None else code
