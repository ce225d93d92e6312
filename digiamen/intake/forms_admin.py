"""Org admins' settings for the front door: routing rules and helplines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.awareness import lessons
from digiamen.awareness.models import Campaign
from digiamen.core import places
from digiamen.core.digits import normalize_digits
from digiamen.core.text import IsolatedSelect, TextField
from digiamen.intake import materials
from digiamen.intake.models import Helpline, RoutingRule


class RoutingRuleForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    admin1 = forms.ChoiceField(
        label=_("Region or governorate"),
        required=False,
        help_text=_("Leave empty for the whole country."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        country = self.fields["country"]
        area = self.fields["admin1"]
        if isinstance(country, forms.ChoiceField) and isinstance(area, forms.ChoiceField):
            country.choices = [(c, places.country_name(c, language)) for c in places.COUNTRY_CODES]
            area.choices = [("", _("The whole country"))] + [
                (
                    places.country_name(c, language),
                    [(a.code, a.name(language)) for a in places.areas(c)],
                )
                for c in places.COUNTRY_CODES
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        country, admin1 = cleaned.get("country", ""), cleaned.get("admin1", "")
        if admin1 and not places.is_area_of(admin1, country):
            self.add_error("admin1", _("This region is not in the country you chose."))
        elif country and RoutingRule.objects.filter(country=country, admin1=admin1).exists():
            self.add_error(
                None,
                _(
                    "Reports from this place already go to an organisation. "
                    "Ask a network coordinator to change it."
                ),
            )
        return cleaned


class HelplineForm(forms.Form):
    name_ar = TextField(label=_("Name in Arabic"), max_length=120)
    name_fr = TextField(label=_("Name in French"), max_length=120)
    name_en = TextField(label=_("Name in English"), max_length=120)
    phone = forms.CharField(
        label=_("Number"), max_length=32, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    free_of_charge = forms.BooleanField(label=_("Free of charge"), required=False)
    hours = TextField(label=_("Hours"), max_length=100, required=False)

    @staticmethod
    def initial_of(helpline: Helpline) -> dict[str, Any]:
        return {
            **{f"name_{code}": helpline.name.get(code, "") for code in ("ar", "fr", "en")},
            "phone": helpline.phone,
            "free_of_charge": helpline.free_of_charge,
            "hours": helpline.hours,
        }

    def clean_phone(self) -> str:
        phone = normalize_digits(self.cleaned_data["phone"]).replace(" ", "")
        if not phone.lstrip("+").isdigit() or len(phone) > 20:
            raise forms.ValidationError(_("Write the number with digits only."))
        return phone


class MaterialForm(forms.Form):
    """What to print: for whom, how big, in which language, with which campaign's code."""

    audience = forms.ChoiceField(label=_("For whom"), choices=list(lessons.AUDIENCES.items()))
    size = forms.ChoiceField(label=_("Size"), choices=list(materials.SIZE_LABELS.items()))
    language = forms.ChoiceField(
        label=_("Language"), choices=[("ar", "العربية"), ("fr", "Français"), ("en", "English")]
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign code in the QR code"),
        queryset=Campaign.objects.none(),
        required=False,
        widget=IsolatedSelect,
        help_text=_("Reports that come through this leaflet or poster then count for it."),
    )
    text_message = TextField(
        label=_("Text-message number or keyword"),
        max_length=60,
        required=False,
        help_text=_("For example: send HELP to 1234. Leave empty if you have none."),
    )
    black_and_white = forms.BooleanField(
        label=_("Black and white, for photocopying"), required=False
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        if isinstance(campaign, forms.ModelChoiceField):
            campaign.queryset = Campaign.objects.filter(organisation=organisation)
