"""Months by name, as readers in the organisation's country write them.

Arabic has three families of month names: يناير … ديسمبر (Egypt, the Gulf, Libya, Sudan),
the Maghreb's own (جانفي, فيفري in Algeria and Tunisia; ماي, يوليوز, غشت, دجنبر in Morocco)
and the Syriac names of the Levant and Iraq (كانون الثاني … كانون الأول). A coordinator in
Amman reading «يناير» reads a foreign word. CLDR knows which country uses which (Babel's
``ar_JO``, ``ar_DZ``, ``ar_MA``…), so the names come from there; French and English have one
set each.

A staff request that names an organisation activates its country for the rest of the
request (accounts.time_zones.activate, beside its time zone); core.middleware puts it back.
Years keep Western digits, like every other number on the site.
"""

from __future__ import annotations

import functools
from contextvars import ContextVar
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from django.utils.translation import get_language

_country: ContextVar[str] = ContextVar("month_names_country", default="")


def activate_country(country: str) -> None:
    """Name months as readers in this country (ISO 3166 alpha-2) do, for this request."""
    _country.set(country.upper())


def deactivate_country() -> None:
    _country.set("")


@functools.cache
def _locale(language: str, country: str) -> Locale:
    """The CLDR locale for a language as written in a country; the language alone where CLDR
    has no such variant (a French month is the same in Rabat and in Paris)."""
    base = (language or "en").split("-")[0].lower()
    if country:
        try:
            return Locale.parse(f"{base}_{country}")
        except (UnknownLocaleError, ValueError):
            pass
    try:
        return Locale.parse(base)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _first_day(month: date | str) -> date | None:
    if isinstance(month, date):
        return month.replace(day=1)
    year, _sep, number = str(month).partition("-")
    if not (year.isdigit() and number.isdigit() and len(year) == 4 and 1 <= int(number) <= 12):
        return None
    return date(int(year), int(number), 1)


def month_label(
    month: date | str, *, language: str | None = None, country: str | None = None
) -> str:
    """ "December 2026", "décembre 2026", «كانون الأول 2026» in Amman, «دجنبر 2026» in Rabat.

    ``month`` is a date or "YYYY-MM" (how statistics key their months); anything else comes
    back unchanged, so a label never hides a value it does not understand."""
    first = _first_day(month)
    if first is None:
        return str(month)
    locale = _locale(
        language or get_language() or "en", _country.get() if country is None else country
    )
    return format_date(first, "LLLL y", locale=locale)
