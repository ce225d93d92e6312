"""One form per step of the report. The API validates with the same forms."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from django import forms
from django.core.validators import EmailValidator
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.awareness import campaigns
from digiamen.core import places
from digiamen.core.digits import normalize_digits
from digiamen.core.taxonomy import (
    HARM_EXPLANATIONS,
    AgeBand,
    Channel,
    Disability,
    HarmType,
    Locality,
    PerpetratorRelationship,
    Platform,
    ReporterType,
    Sex,
)
from digiamen.core.text import ReporterTextField

NARRATIVE_MAX = 20_000
ACCOUNTS_MAX = 2_000
PREFER_NOT = ("", _("I prefer not to say"))


class ContactMethod:
    RECEIPT = "receipt"
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    CHOICES: ClassVar[list[tuple[str, Any]]] = [
        (RECEIPT, _("Only through my secret number on this website (anonymous)")),
        (PHONE, _("By phone call or SMS")),
        (WHATSAPP, _("On WhatsApp")),
        (EMAIL, _("By email")),
    ]


class StepForm(forms.Form):
    title: ClassVar[Promise]
    intro: ClassVar[Promise | None] = None

    def answers(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class FixedChoices(BaseChoiceIterator):
    """Choices that never change (their labels translate when shown), shared by every copy
    of a field: Django copies each form's fields, choices and all, for every form it makes,
    and the API validates each report with seven of them."""

    def __init__(self, choices: Any) -> None:
        self.choices: list[tuple[str, Any]] = normalize_choices(choices)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.choices)

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoices:
        return self


def radios(choices: Any, label: Any, *, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=FixedChoices(choices), required=required, widget=forms.RadioSelect
    )


class OperatorStep(StepForm):
    title = _("How was this report received?")
    channel = radios(
        [
            (Channel.PHONE, Channel.PHONE.label),
            (Channel.WALK_IN, Channel.WALK_IN.label),
            (Channel.OUTREACH, Channel.OUTREACH.label),
        ],
        _("Channel"),
        required=True,
    )
    campaign = forms.CharField(
        label=_("Campaign code, if the caller saw a poster or came from a session"),
        max_length=campaigns.CODE_MAX + 8,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "characters"}),
    )

    def clean_campaign(self) -> str:
        typed = self.cleaned_data.get("campaign", "")
        if not typed.strip():
            return ""
        code = campaigns.normalise(typed)
        if not code or not campaigns.exists(code):
            raise forms.ValidationError(
                _("No campaign has this code. Check it, or leave it empty.")
            )
        return code


class ReporterStep(StepForm):
    title = _("Who is reporting?")
    intro = _("You can report for yourself or for a child you want to help.")
    reporter_type = radios(ReporterType.choices, _("I am"))


class HarmStep(StepForm):
    title = _("What happened?")
    intro = _("Choose everything that fits. It is not your fault.")
    harm_types = forms.MultipleChoiceField(
        label=_("What happened"),
        choices=FixedChoices(HarmType.choices),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one.")},
    )

    def explained_choices(self) -> list[tuple[str, Any, Any, bool]]:
        chosen = set(self["harm_types"].value() or [])
        return [
            (code, label, HARM_EXPLANATIONS[code], code in chosen)
            for code, label in HarmType.choices
        ]


# The lists are the same for every form in a language: made and normalised once per
# language, so that no form copies and normalises every area of every country again (the
# API validates each report with these forms).
@functools.lru_cache(maxsize=16)
def country_choices(language: str) -> list[tuple[str, Any]]:
    return normalize_choices(
        [PREFER_NOT]
        + [(code, places.country_name(code, language)) for code in places.COUNTRY_CODES]
    )


class _ChoicesInLanguage(BaseChoiceIterator):
    """A field's choices in the language of the moment, from the per-language list."""

    def __init__(self, make: Callable[[str], list[tuple[str, Any]]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.make(get_language() or "en"))

    def __deepcopy__(self, memo: dict[int, Any]) -> _ChoicesInLanguage:
        return self


@functools.lru_cache(maxsize=16)
def area_choices(language: str) -> list[tuple[str, Any]]:
    grouped: list[tuple[str, Any]] = [PREFER_NOT]
    for code in places.COUNTRY_CODES:
        grouped.append(
            (
                places.country_name(code, language),
                [(a.code, a.name(language)) for a in places.areas(code)],
            )
        )
    return normalize_choices(grouped)


class WhereStep(StepForm):
    title = _("Where did it happen?")
    platforms = forms.MultipleChoiceField(
        label=_("On which apps or websites?"),
        choices=FixedChoices(Platform.choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    country = forms.ChoiceField(
        label=_("Country where the child lives"),
        required=False,
        choices=_ChoicesInLanguage(country_choices),
    )
    admin1 = forms.ChoiceField(
        label=_("Region or governorate"), required=False, choices=_ChoicesInLanguage(area_choices)
    )
    locality = radios(Locality.choices, _("Does the child live in a city or a village?"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        country, admin1 = cleaned.get("country", ""), cleaned.get("admin1", "")
        if admin1:
            area = places.area(admin1)
            if area is None:
                self.add_error("admin1", _("Choose a region from the list."))
            elif not country:
                cleaned["country"] = area.country
            elif area.country != country:
                self.add_error("admin1", _("This region is not in the country you chose."))
        return cleaned


class ChildStep(StepForm):
    title = _("About the child")
    intro = _("This helps us find the right help. You can skip any question.")
    age_band = radios(AgeBand.choices, _("How old is the child?"))
    sex = radios(Sex.choices, _("Is the child a girl or a boy?"))
    disability = radios(Disability.choices, _("Does the child have a disability?"))


class StoryStep(StepForm):
    title = _("Tell us more")
    intro = _("Write in your own words, in any language. Only our counsellors can read it.")
    perpetrator_relationship = radios(
        PerpetratorRelationship.choices, _("Who is doing this to the child, if you know?")
    )
    narrative = ReporterTextField(
        label=_("What happened?"),
        required=False,
        max_length=NARRATIVE_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
    )
    involved_accounts = ReporterTextField(
        label=_("Usernames, profile links or links to the pictures or messages (if you know them)"),
        required=False,
        max_length=ACCOUNTS_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=_("Do not send the pictures themselves."),
    )

    def clean_narrative(self) -> str:
        return str(self.cleaned_data["narrative"]).strip()

    def clean_involved_accounts(self) -> str:
        return str(self.cleaned_data["involved_accounts"]).strip()


PHONE = re.compile(r"^\+?[0-9]{6,15}$")


class ContactStep(StepForm):
    title = _("How can we reach you?")
    intro = _(
        "You will get a secret number. With it you can come back here and talk to a "
        "counsellor without giving your name."
    )
    contact_method = radios(ContactMethod.CHOICES, _("Contact me"), required=True)
    contact_value = forms.CharField(
        label=_("Your phone number or email (only if you chose it above)"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("contact_method", ContactMethod.RECEIPT)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        method = cleaned.get("contact_method")
        value = str(cleaned.get("contact_value") or "").strip()
        if method == ContactMethod.RECEIPT or not method:
            cleaned["contact_value"] = ""
        elif method in (ContactMethod.PHONE, ContactMethod.WHATSAPP):
            number = re.sub(r"[\s\-().\u00a0]", "", normalize_digits(value))
            if number.startswith("00"):
                number = "+" + number[2:]
            if not PHONE.match(number):
                self.add_error(
                    "contact_value",
                    _("Write a phone number with its digits, for example +212 6 12 34 56 78."),
                )
            cleaned["contact_value"] = number
        else:
            try:
                EmailValidator()(value)
            except forms.ValidationError:
                self.add_error("contact_value", _("Write a valid email address."))
            cleaned["contact_value"] = value
        return cleaned


class ConsentStep(StepForm):
    title = _("What do you agree to?")
    intro = _("You decide. Saying no does not stop us from reading your report.")
    consent_contact = forms.BooleanField(
        label=_("A counsellor may contact me in the way I chose."), required=False
    )
    consent_referral = forms.BooleanField(
        label=_(
            "A counsellor may share my report with a service that can help, such as a "
            "doctor, a lawyer or a safe place. They will tell me first."
        ),
        required=False,
    )
    consent_statistics = forms.BooleanField(
        label=_(
            "My report may be counted in statistics, without my name or story, to help "
            "protect other children."
        ),
        required=False,
    )


class ReviewStep(StepForm):
    title = _("Check and send")
    intro = _("Check your answers. You can change them before sending.")


PUBLIC_STEPS: list[type[StepForm]] = [
    ReporterStep,
    HarmStep,
    WhereStep,
    ChildStep,
    StoryStep,
    ContactStep,
    ConsentStep,
    ReviewStep,
]
OPERATOR_STEPS: list[type[StepForm]] = [OperatorStep, *PUBLIC_STEPS]
ANSWER_STEPS: list[type[StepForm]] = PUBLIC_STEPS[:-1]


class _SharedFields(dict[str, forms.Field]):
    """A form's fields that each instance uses as they are instead of copying them."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


@functools.cache
def _checking_form(step: type[StepForm]) -> type[StepForm]:
    """``step`` for validating answers only (the API, text messages, ODK). Django copies
    every field of a form (widgets, validators) for each instance, so that a page can
    change them; a check that is never rendered changes nothing (cleaning only reads a
    field, and these forms' choices are shared already), and the API checks every report
    with seven forms."""
    checking: type[StepForm] = type(f"Checking{step.__name__}", (step,), {})
    # Set after the class is made: Django's form metaclass sets base_fields itself.
    checking.base_fields = _SharedFields(step.base_fields)
    return checking


def validate_answers(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a whole report at once (the API) with the same forms as the steps."""
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for step in ANSWER_STEPS:
        fields = {name: data[name] for name in step.base_fields if name in data}
        form = _checking_form(step)(data=fields)
        if form.is_valid():
            answers.update(form.answers())
        for name, messages in form.errors.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
    return answers, errors


class FollowupForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your secret number"),
        max_length=64,
        help_text=_("24 digits (older numbers have 16). Spaces do not matter."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr", "class": "code"}
        ),
    )


MESSAGE_MAX = 5_000


class MessageForm(forms.Form):
    text = ReporterTextField(
        label=_("Your message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
