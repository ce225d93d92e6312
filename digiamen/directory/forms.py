"""Forms for keeping the directory: organisations, services, locations and added areas."""

from __future__ import annotations

from typing import Any

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from digiamen.core import places as core_places
from digiamen.core.text import (
    IsolatedCheckboxSelectMultiple,
    IsolatedSelect,
    IsolatedSelectMultiple,
    TextField,
)
from digiamen.directory import places
from digiamen.directory.models import DirectoryOrganisation, Location, Service
from digiamen.directory.taxonomy import (
    SERVICE_LANGUAGES,
    PhoneType,
    ServiceStatus,
    ServiceType,
)
from digiamen.directory.validation import validate_directory_text

SITE_LANGUAGES = [("ar", "العربية"), ("fr", "Français"), ("en", "English")]
DAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
MAX_PHONES = 2


def _any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


def country_choices() -> list[tuple[str, str]]:
    return [(code, places.country_name(code)) for code in places.countries_in_use()]


def area_choices() -> list[tuple[str, Any]]:
    """Grouped by country: the whole country first, then its areas."""
    grouped: list[tuple[str, Any]] = []
    for country in places.countries_in_use():
        name = places.country_name(country)
        options = [(country, _("%(country)s — the whole country") % {"country": name})]
        options += [(area.code, area.name) for area in places.areas_of(country)]
        grouped.append((name, options))
    return grouped


def guard_texts(form: forms.BaseForm) -> None:
    """Refuse invisible direction-changing characters in every text field of the form."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and validate_directory_text not in field.validators:
            field.validators.append(validate_directory_text)


def translation_fields(form: forms.BaseForm, with_description: bool = True) -> None:
    for code, language in SITE_LANGUAGES:
        form.fields[f"name_{code}"] = TextField(
            label=_("Name in %(language)s") % {"language": language},
            max_length=200,
            required=False,
        )
        if with_description:
            form.fields[f"description_{code}"] = TextField(
                label=_("Description in %(language)s") % {"language": language},
                max_length=4000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )


def translations_from(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    translations: dict[str, dict[str, str]] = {}
    for code, _language in SITE_LANGUAGES:
        texts = {
            field: data[f"{field}_{code}"].strip()
            for field in ("name", "description")
            if data.get(f"{field}_{code}", "").strip()
        }
        if texts:
            translations[code] = texts
    return translations


def translation_initial(instance: Any) -> dict[str, str]:
    initial = {}
    for code, texts in (instance.translations or {}).items():
        for field, value in texts.items():
            initial[f"{field}_{code}"] = value
    return initial


class DirectoryOrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = DirectoryOrganisation
        field_classes = dict.fromkeys(["name", "alternate_name", "description"], TextField)
        fields = ["name", "alternate_name", "description", "email", "website", "country"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("initial", {}).update(translation_initial(instance))
        super().__init__(*args, **kwargs)
        translation_fields(self)
        guard_texts(self)


LOCATION_TEXTS = [
    "name",
    "description",
    "address_1",
    "city",
    "postal_code",
    "transportation",
    "accessibility",
]


class LocationForm(forms.ModelForm):  # type: ignore[type-arg]
    area = forms.ChoiceField(label=_("Area"), choices=area_choices, widget=IsolatedSelect)

    class Meta:
        model = Location
        field_classes = dict.fromkeys(LOCATION_TEXTS, TextField)
        fields = [
            "location_type",
            *LOCATION_TEXTS,
            "wheelchair_access",
            "latitude",
            "longitude",
            "is_confidential",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"latitude": _("latitude"), "longitude": _("longitude")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                {"area": instance.admin1 or instance.country, **translation_initial(instance)}
            )
        super().__init__(*args, **kwargs)
        translation_fields(self)
        guard_texts(self)

    def clean_latitude(self) -> Any:
        value = self.cleaned_data.get("latitude")
        if value is not None and not -90 <= value <= 90:
            raise forms.ValidationError(_("A latitude is between -90 and 90."))
        return value

    def clean_longitude(self) -> Any:
        value = self.cleaned_data.get("longitude")
        if value is not None and not -180 <= value <= 180:
            raise forms.ValidationError(_("A longitude is between -180 and 180."))
        return value


class ServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=list(SERVICE_LANGUAGES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.MultipleChoiceField(
        label=_("Where it serves"),
        help_text=_("Choose a whole country or its areas. Hold Ctrl (or Cmd) to choose several."),
        choices=area_choices,
        widget=IsolatedSelectMultiple(attrs={"size": 10}),
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Offered at"),
        queryset=Location.objects.none(),
        required=False,
        widget=IsolatedCheckboxSelectMultiple,
    )
    days = forms.MultipleChoiceField(
        label=_("Open on"), choices=DAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens_at = forms.TimeField(label=_("Opens at"), required=False)
    closes_at = forms.TimeField(label=_("Closes at"), required=False)
    hours_note = TextField(label=_("Note on opening hours"), max_length=300, required=False)
    url = forms.URLField(label=_("web page"), required=False, assume_scheme="https")

    class Meta:
        model = Service
        field_classes = dict.fromkeys(
            [
                "name",
                "alternate_name",
                "description",
                "application_process",
                "eligibility_description",
                "fees_description",
            ],
            TextField,
        )
        fields = [
            "name",
            "alternate_name",
            "description",
            "service_type",
            "status",
            "url",
            "email",
            "application_process",
            "eligibility_description",
            "fees_description",
            "free_of_charge",
            "disability_access",
            "child_friendly",
            "minimum_age",
            "maximum_age",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "eligibility_description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        organisation: DirectoryOrganisation,
        with_confidential: bool = False,
        **kwargs: Any,
    ) -> None:
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("initial", {}).update(self._initial_from(instance))
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        locations = organisation.locations.order_by("name", "id")
        if not with_confidential:
            # A choice is labelled with the location's name: another organisation's keeper
            # never sees a shelter's; its links to the service are kept as they are on save.
            locations = locations.exclude(is_confidential=True)
        self.fields["locations"].queryset = locations  # type: ignore[attr-defined]
        translation_fields(self)
        for index in range(1, MAX_PHONES + 1):
            self.fields[f"phone_{index}"] = forms.CharField(
                label=_("Phone number %(n)s") % {"n": index}, max_length=32, required=False
            )
            self.fields[f"phone_{index}_type"] = forms.ChoiceField(
                label=_("Kind of phone %(n)s") % {"n": index},
                choices=PhoneType.choices,
                initial=PhoneType.VOICE,
            )
        guard_texts(self)

    @staticmethod
    def _initial_from(service: Service) -> dict[str, Any]:
        initial: dict[str, Any] = translation_initial(service)
        initial["languages"] = list(service.languages)
        initial["areas"] = [area.admin1 or area.country for area in service.areas.all()]
        initial["locations"] = [link.location_id for link in service.at_locations.all()]
        for index, phone in enumerate(service.phones.all()[:MAX_PHONES], start=1):
            initial[f"phone_{index}"] = phone.number
            initial[f"phone_{index}_type"] = phone.type
        schedule = service.schedules.first()
        if schedule is not None:
            initial["days"] = [day for day in schedule.byday.split(",") if day]
            initial["opens_at"] = schedule.opens_at
            initial["closes_at"] = schedule.closes_at
            initial["hours_note"] = schedule.description
        return initial

    def clean_phone_1(self) -> str:
        return self._clean_phone("phone_1")

    def clean_phone_2(self) -> str:
        return self._clean_phone("phone_2")

    def _clean_phone(self, field: str) -> str:
        number = str(self.cleaned_data.get(field, "")).strip()
        allowed = set("+0123456789 ()-.")
        if number and (set(number) - allowed or sum(c.isdigit() for c in number) < 3):
            raise forms.ValidationError(
                _("Write the number with digits, spaces and + only, for example +216 71 000 000.")
            )
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        youngest, oldest = data.get("minimum_age"), data.get("maximum_age")
        if youngest is not None and oldest is not None and youngest > oldest:
            self.add_error("maximum_age", _("The oldest age served is below the youngest."))
        for age_field in ("minimum_age", "maximum_age"):
            value = data.get(age_field)
            if value is not None and value > 120:
                self.add_error(age_field, _("Enter an age between 0 and 120."))
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if (opens is None) != (closes is None):
            self.add_error(
                "closes_at", _("Give both the opening and the closing time, or neither.")
            )
        if (opens or closes) and not data.get("days"):
            self.add_error("days", _("Choose the days these hours apply to."))
        return data

    def phones(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data[f"phone_{index}"], self.cleaned_data[f"phone_{index}_type"])
            for index in range(1, MAX_PHONES + 1)
            if self.cleaned_data.get(f"phone_{index}")
        ]


class AddedAreaForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    parent = forms.CharField(
        label=_("Admin-1 area it belongs to (code)"),
        help_text=_(
            "For a province or district, the code of its region, e.g. MA-06. "
            "Leave empty for a region of a country not listed."
        ),
        max_length=16,
        required=False,
    )
    code = forms.RegexField(
        label=_("Code"),
        help_text=_(
            "The official code, e.g. a P-code such as MA0601, or ISO 3166-2 such as IQ-BG."
        ),
        regex=r"^[A-Z]{2}[-A-Z0-9]{1,14}$",
        max_length=16,
        error_messages={
            "invalid": _("Use capital letters, digits and '-', starting with the country code.")
        },
    )
    name_ar = TextField(label=_("Name in Arabic"), max_length=120)
    name_fr = TextField(label=_("Name in French"), max_length=120)
    name_en = TextField(label=_("Name in English"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = sorted(  # type: ignore[attr-defined]
            ((c.alpha_2, places.country_name(c.alpha_2)) for c in pycountry.countries),
            key=lambda pair: pair[1],
        )
        guard_texts(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        country, code, parent = data.get("country"), data.get("code"), data.get("parent", "")
        if not country or not code:
            return data
        if not code.startswith(country):
            self.add_error("code", _("The code must start with the country's code."))
        if parent:
            if not places.area_in_country(parent, country):
                self.add_error("parent", _("This area is not an area of the chosen country."))
        elif country in core_places.COUNTRY_CODES:
            self.add_error(
                "parent",
                _("This country's regions are listed already: give the region it belongs to."),
            )
        if places.place(code) is not None:
            self.add_error("code", _("An area with this code exists already."))
        return data


class DirectoryFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    service_type = forms.ChoiceField(
        label=_("Type of service"), required=False, choices=_any(ServiceType.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(ServiceStatus.choices)
    )
    needs_verification = forms.BooleanField(label=_("Not verified for a year"), required=False)
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _any(country_choices())  # type: ignore[attr-defined]
