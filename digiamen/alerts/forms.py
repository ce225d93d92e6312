from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.alerts import address
from digiamen.alerts.models import Channel, Kind, Language

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
    phone = forms.CharField(
        label=_("Mobile number for text alerts (optional)"),
        help_text=_("In international form, for example +212 600 000 000."),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Language of e-mails and text messages"),
        choices=[("", _("The organisation's language")), *Language.choices],
        required=False,
    )
    digest = forms.ChoiceField(
        label=_("Alerts that are not urgent, by e-mail"),
        choices=[
            ("immediate", _("One e-mail for each alert")),
            ("daily", _("One daily digest with the number of alerts of each kind")),
        ],
        initial="immediate",
        required=False,  # left out (an older client): the member's choice stays
        help_text=_("Urgent alerts are always sent at once."),
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
        for kind, label in Kind.choices:
            self.fields[f"sms_{kind}"] = forms.BooleanField(
                label=_("By text message: %(kind)s") % {"kind": label}, required=False
            )

    def setting_fields(self) -> list[forms.BoundField]:
        """The address, number, language, digest and hours: one field each on the page."""
        return [self[name] for name in self.fields if not name.startswith(("email_", "sms_"))]

    def channel_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """One row per kind of event with its two ticks (e-mail, text message): the page
        shows them as a table, each tick still labelled in full for screen readers."""
        return [
            (str(label), self[f"email_{kind}"], self[f"sms_{kind}"]) for kind, label in Kind.choices
        ]

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        if not raw:
            return ""
        number = address.normalise_phone(raw)
        if number is None:
            raise forms.ValidationError(address.PHONE_ERROR, code="phone")
        return number

    def daily_digest(self) -> bool | None:
        chosen = self.cleaned_data.get("digest")
        return None if not chosen else chosen == "daily"

    def channels(self) -> dict[str, list[str]]:
        return {
            kind: [
                Channel.IN_APP,
                *([Channel.EMAIL] if self.cleaned_data[f"email_{kind}"] else []),
                *([Channel.SMS] if self.cleaned_data[f"sms_{kind}"] else []),
            ]
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
