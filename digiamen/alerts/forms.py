from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.alerts.models import Channel, Kind

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
END_HOURS = [(hour, f"{hour:02d}:00") for hour in range(1, 25)]
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class PreferencesForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address for alerts (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )
    quiet_from = forms.TypedChoiceField(
        label=_("Quiet hours from"), choices=HOURS, coerce=int, initial=0
    )
    quiet_to = forms.TypedChoiceField(
        label=_("Quiet hours to"), choices=HOURS, coerce=int, initial=0
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[f"email_{kind}"] = forms.BooleanField(
                label=_("By e-mail: %(kind)s") % {"kind": label}, required=False
            )

    def channels(self) -> dict[str, list[str]]:
        return {
            kind: [Channel.IN_APP, *([Channel.EMAIL] if self.cleaned_data[f"email_{kind}"] else [])]
            for kind in Kind.values
        }


class OwnDirectionSelect(forms.Select):
    """Member names are stored text: each option in its own direction."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"]["dir"] = "auto"
        return option


class ShiftForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Member"), coerce=int, widget=OwnDirectionSelect)
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)
    start = forms.TypedChoiceField(label=_("From"), choices=HOURS, coerce=int)
    end = forms.TypedChoiceField(label=_("To"), choices=END_HOURS, coerce=int, initial=24)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = members  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The end must come after the start."))
        return cleaned
