"""Campaign codes and session records, checked before anything is stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Membership, Organisation, User
from digiamen.awareness import campaigns
from digiamen.awareness.models import (
    PARTICIPANT_BANDS,
    PARTICIPANT_SEXES,
    Audience,
    Campaign,
    CampaignChannel,
    Setting,
)
from digiamen.core import places
from digiamen.core.text import IsolatedSelect, TextField

DATE = forms.DateInput(attrs={"type": "date", "dir": "ltr"}, format="%Y-%m-%d")
EARLIEST = date(2000, 1, 1)
# A campaign runs for at most three years; one session reaches at most this many people (a
# whole school's assembly, an online talk).
LONGEST_CAMPAIGN = timedelta(days=3 * 366)
MOST_PARTICIPANTS = 5000
TOO_MANY = _("At most %(most)d people in one session: record a big event as several.")

BAND_LABELS = {
    "under_10": _("under 10"),
    "10_13": _("10 to 13"),
    "14_17": _("14 to 17"),
    "adult": _("adults"),
}
SEX_LABELS = {
    "child": {"female": _("girls"), "male": _("boys")},
    "adult": {"female": _("women"), "male": _("men")},
}


def _area_choices(organisation: Organisation, *, empty: Any = None) -> list[tuple[str, Any]]:
    language = get_language() or "en"
    areas = [(a.code, a.name(language)) for a in places.areas(organisation.country)]
    return ([("", empty)] if empty is not None else []) + areas


class CampaignForm(forms.Form):
    name = TextField(label=_("Name"), max_length=120)
    code = forms.CharField(
        label=_("Code"),
        max_length=campaigns.CODE_MAX + 8,
        help_text=_(
            "Capital letters, digits and hyphens, 3 to 40 characters, for example "
            "SCHOOL-RABAT-2027. It is printed on posters and in the link of their QR code."
        ),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "characters"}),
    )
    channel = forms.ChoiceField(label=_("How it reaches people"), choices=CampaignChannel.choices)
    admin1 = forms.ChoiceField(label=_("Area"), required=False)
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        area = self.fields["admin1"]
        if isinstance(area, forms.ChoiceField):
            area.choices = _area_choices(organisation, empty=_("The whole country"))

    def clean_code(self) -> str:
        code = campaigns.normalise(self.cleaned_data.get("code", ""))
        if not code:
            raise forms.ValidationError(
                _("A code has 3 to 40 capital letters, digits and hyphens."), code="code"
            )
        if Campaign.objects.filter(code=code).exists():
            raise forms.ValidationError(_("This code is taken already. Choose another."))
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends:
            if starts < EARLIEST or ends.year > 2100:
                self.add_error("starts_on", _("These dates are out of range."))
            elif ends < starts:
                self.add_error("ends_on", _("The campaign ends before it starts."))
            elif ends - starts > LONGEST_CAMPAIGN:
                self.add_error("ends_on", _("A campaign runs for at most three years."))
        return cleaned


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    admin1 = forms.ChoiceField(label=_("Area"))
    setting = forms.ChoiceField(label=_("Where"), choices=Setting.choices)
    audience = forms.ChoiceField(label=_("For whom"), choices=Audience.choices)
    campaign = forms.ModelChoiceField(
        label=_("Campaign code used"),
        queryset=Campaign.objects.none(),
        required=False,
        widget=IsolatedSelect,
    )
    facilitator = forms.ModelChoiceField(
        label=_("Facilitator"), queryset=User.objects.none(), required=False, widget=IsolatedSelect
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        area = self.fields["admin1"]
        if isinstance(area, forms.ChoiceField):
            area.choices = _area_choices(organisation, empty="")
        campaign = self.fields["campaign"]
        if isinstance(campaign, forms.ModelChoiceField):
            campaign.queryset = Campaign.objects.filter(organisation=organisation)
        facilitator = self.fields["facilitator"]
        if isinstance(facilitator, forms.ModelChoiceField):
            facilitator.queryset = User.objects.filter(
                pk__in=Membership.objects.active()
                .filter(organisation=organisation)
                .values("user_id")
            ).order_by("username")
        for band in PARTICIPANT_BANDS:
            for sex in PARTICIPANT_SEXES:
                self.fields[f"count_{band}_{sex}"] = forms.IntegerField(
                    label=_("%(band)s: %(sex)s")
                    % {
                        "band": BAND_LABELS[band],
                        "sex": SEX_LABELS["adult" if band == "adult" else "child"][sex],
                    },
                    min_value=0,
                    max_value=MOST_PARTICIPANTS,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
                )

    def count_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("count_")]

    def other_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("count_")]

    def clean_held_on(self) -> date:
        held_on: date = self.cleaned_data["held_on"]
        if held_on < EARLIEST:
            raise forms.ValidationError(_("This date is out of range."))
        if held_on > timezone.localdate():  # the organisation's day (its zone is active)
            raise forms.ValidationError(_("A session is recorded once it has been held."))
        return held_on

    def clean_admin1(self) -> str:
        admin1: str = self.cleaned_data["admin1"]
        if not places.is_area_of(admin1, self.organisation.country):
            raise forms.ValidationError(_("Choose an area of your organisation's country."))
        return admin1

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        participants = {
            band: {sex: cleaned.get(f"count_{band}_{sex}") or 0 for sex in PARTICIPANT_SEXES}
            for band in PARTICIPANT_BANDS
        }
        total = sum(sum(counts.values()) for counts in participants.values())
        if not any(name.startswith("count_") for name in self.errors):
            if total == 0:
                self.add_error(None, _("Count at least one participant."))
            elif total > MOST_PARTICIPANTS:
                self.add_error(
                    None,
                    TOO_MANY % {"most": MOST_PARTICIPANTS},
                )
        cleaned["participants"] = participants
        return cleaned


class LessonForm(forms.Form):
    title = TextField(label=_("Title"), max_length=120)
    body = TextField(
        label=_("Lesson"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Plain words. Paragraphs, “## ” for a heading, “- ” for a list, **bold**, and "
            "links written [words](/report/). Anything else (pictures, HTML) is removed."
        ),
    )
