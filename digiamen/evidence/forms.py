from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.evidence.statistics import DIMENSIONS


def _dimension_choices() -> list[tuple[str, Any]]:
    return [(code, dimension.label) for code, dimension in DIMENSIONS.items()]


class StatisticsForm(forms.Form):
    rows = forms.ChoiceField(label=_("Count by"), choices=_dimension_choices, initial="harm_type")
    columns = forms.ChoiceField(
        label=_("Then by (optional)"),
        required=False,
        choices=lambda: [("", _("Nothing else")), *_dimension_choices()],
    )
    start = forms.CharField(
        label=_("From month"),
        required=False,
        max_length=7,
        help_text=_("YYYY-MM"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
    end = forms.CharField(
        label=_("To month"),
        required=False,
        max_length=7,
        help_text=_("YYYY-MM"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"}),
    )
