from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.core.months import month_label
from digiamen.evidence.network import SHARED_DIMENSIONS
from digiamen.evidence.statistics import DIMENSIONS

MONTHS_OFFERED = 120  # ten years back


def recent_months(today: date | None = None) -> list[tuple[str, str]]:
    """("2026-12", "December 2026") for this month and the ones before, newest first, the
    month's name in the page's language (and the organisation's country: core.months)."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _step in range(MONTHS_OFFERED):
        first = date(year, month, 1)
        months.append((f"{year:04d}-{month:02d}", month_label(first)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


class MonthSelect(forms.Select):
    """A month as a list of months: the same in every browser, with or without JavaScript
    (``<input type=month>`` is a date picker in some and a bare text box in others). The
    value stays YYYY-MM, so links and exports keep their queries."""

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> Any:
        self.choices = [("", _("The default period")), *recent_months()]
        return super().optgroups(name, value, attrs)


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
        label=_("From month"), required=False, max_length=7, widget=MonthSelect()
    )
    end = forms.CharField(label=_("To month"), required=False, max_length=7, widget=MonthSelect())


class PeriodForm(forms.Form):
    start = StatisticsForm.base_fields["start"]
    end = StatisticsForm.base_fields["end"]


def _network_dimension_choices() -> list[tuple[str, Any]]:

    return (
        [("month", _("Month"))]
        + [(code, DIMENSIONS[code].label) for code in SHARED_DIMENSIONS if code != "country"]
        + [("country", DIMENSIONS["country"].label)]
    )


class NetworkStatisticsForm(forms.Form):
    rows = forms.ChoiceField(
        label=_("Count by"), choices=_network_dimension_choices, initial="harm_type"
    )
    start = StatisticsForm.base_fields["start"]
    end = StatisticsForm.base_fields["end"]


class AddMemberForm(forms.Form):
    organisation = forms.SlugField(
        label=_("Short name of the organisation"),
        max_length=50,
        help_text=_("As in its address, for example amane-demo."),
    )


class PeerForm(forms.Form):
    name = forms.SlugField(
        label=_("Name of the other instance"),
        max_length=50,
        help_text=_("A short name, for example jordan-instance."),
    )
    public_key = forms.CharField(
        label=_("Its public key"),
        max_length=60,
        help_text=_("Given by the other instance's coordinator, out of band (base64)."),
    )


class AggregateFileForm(forms.Form):
    file = forms.FileField(label=_("Signed aggregate file (HXL CSV)"))


class ServiceOutcomesForm(forms.Form):
    rows = forms.ChoiceField(
        label=_("Count by"),
        choices=[
            ("service_type", _("Type of service")),
            ("admin1", _("Area")),
            ("both", _("Type of service and area")),
        ],
        initial="service_type",
    )
    answers_by = forms.ChoiceField(
        label=_("Children's answers by"),
        choices=[("service_type", _("Type of service")), ("service", _("Service"))],
        initial="service_type",
        required=False,
    )
    start = StatisticsForm.base_fields["start"]
    end = StatisticsForm.base_fields["end"]


class PreventionForm(forms.Form):
    rows = forms.ChoiceField(
        label=_("Count by"),
        choices=[("month", _("Month")), ("admin1", _("Area"))],
        initial="month",
    )
    start = StatisticsForm.base_fields["start"]
    end = StatisticsForm.base_fields["end"]
