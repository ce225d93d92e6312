"""``{{ "2026-01"|month }}``: a month by name, as the organisation's country writes it
(core.months)."""

from __future__ import annotations

from datetime import date

from django import template

from digiamen.core.months import month_label

register = template.Library()


@register.filter
def month(value: date | str) -> str:
    return month_label(value)
