from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from digiamen.accounts import time_zones
from digiamen.accounts.models import Organisation, Role
from digiamen.awareness.models import Campaign
from digiamen.channels import script
from digiamen.consultations import actions
from digiamen.consultations.models import LANGUAGES, Consultation
from digiamen.consultations.questions import (
    TEXT_MAX,
    age_bands,
    as_text,
    identifying,
    identifying_label,
    parse,
)
from digiamen.core import places
from digiamen.core.taxonomy import Locality, Sex
from digiamen.core.text import (
    IsolatedCheckboxSelectMultiple,
    IsolatedRadioSelect,
    IsolatedSelect,
    TextField,
)
from digiamen.networks.models import Network

CODE = re.compile(r"[A-Z0-9-]{3,24}")
INTRODUCTION_MAX = 600
LONGEST_DAYS = 366
LANGUAGE_NAMES = {"ar": _("Arabic"), "fr": _("French"), "en": _("English")}
QUESTIONS_HELP = _(
    "One line a question: “?” for one answer, “+” for several answers, “~” for a few "
    "words; then one line “-” for each choice. The same questions in each language."
)


class ConsultationForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        help_text=_(
            "The keyword children send by text message and the end of the web address: 3 to "
            "24 capital letters, digits or hyphens, for example VOICE-2027."
        ),
    )
    network = forms.ModelChoiceField(
        label=_("For the network"),
        queryset=Network.objects.none(),
        required=False,
        empty_label=_("No: for this organisation only"),
        widget=IsolatedSelect,
    )
    age_min = forms.IntegerField(label=_("Youngest age"), min_value=6, max_value=17, initial=10)
    age_max = forms.IntegerField(label=_("Oldest age"), min_value=6, max_value=17, initial=17)
    starts_on = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        organisation: Organisation,
        role: str,
        *args: Any,
        consultation: Consultation | None = None,
        **kwargs: Any,
    ) -> None:
        if consultation is not None and "data" not in kwargs and not args:
            kwargs["initial"] = initial_of(consultation)
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.consultation = consultation
        if role == Role.NETWORK_COORDINATOR:
            networks = cast("forms.ModelChoiceField[Network]", self.fields["network"])
            networks.queryset = Network.objects.filter(secretariat=organisation)
        else:
            del self.fields["network"]
        for language in LANGUAGES:
            name = LANGUAGE_NAMES[language]
            self.fields[f"title_{language}"] = TextField(
                label=_("Title in %(language)s") % {"language": name},
                max_length=120,
                required=False,
            )
            self.fields[f"introduction_{language}"] = TextField(
                label=_("A few words to children, in %(language)s") % {"language": name},
                max_length=INTRODUCTION_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"questions_{language}"] = TextField(
                label=_("Questions in %(language)s") % {"language": name},
                max_length=(TEXT_MAX + 4) * 90,
                required=False,
                help_text=QUESTIONS_HELP,
                widget=forms.Textarea(attrs={"rows": 10}),
            )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        if not CODE.fullmatch(code):
            raise ValidationError(
                _("Use 3 to 24 capital letters, digits or hyphens, for example VOICE-2027.")
            )
        taken = Consultation.objects.filter(code=code)
        if self.consultation is not None:
            taken = taken.exclude(pk=self.consultation.pk)
        reserved = {word.upper() for words in script.LANGUAGE_WORDS.values() for word in words}
        reserved |= {word.upper() for word in script.STOP_WORDS}
        if taken.exists() or code in reserved or Campaign.objects.filter(code=code).exists():
            raise ValidationError(_("This code is taken: choose another."))
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        languages = [
            language
            for language in LANGUAGES
            if cleaned.get(f"title_{language}") or cleaned.get(f"questions_{language}")
        ]
        for language in languages:
            for part in ("title", "questions"):
                if not cleaned.get(f"{part}_{language}"):
                    self.add_error(
                        f"{part}_{language}",
                        _("Write the title and the questions in each language you use."),
                    )
        for language in languages:
            for part in ("title", "introduction"):
                what = identifying(str(cleaned.get(f"{part}_{language}") or ""))
                if what is not None:
                    self.add_error(
                        f"{part}_{language}",
                        _("This asks something that could tell who a child is (%(what)s).")
                        % {"what": identifying_label(what)},
                    )
        try:
            cleaned["questions"] = parse(
                {
                    language: str(cleaned.get(f"questions_{language}") or "")
                    for language in languages
                }
            )
        except ValidationError as error:
            self.add_error(None, error)
        cleaned["languages"] = languages
        age_min, age_max = cleaned.get("age_min"), cleaned.get("age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            self.add_error("age_max", _("The oldest age cannot be below the youngest."))
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            today = time_zones.local(timezone.now(), self.organisation).date()
            if ends_on < starts_on:
                self.add_error("ends_on", _("The last day cannot be before the first."))
            elif ends_on < today:
                self.add_error("ends_on", _("The last day has passed."))
            elif ends_on - starts_on > timedelta(days=LONGEST_DAYS):
                self.add_error("ends_on", _("A consultation runs for a year at most."))
        return cleaned

    def draft(self) -> actions.Draft:
        data = self.cleaned_data
        languages = data["languages"]
        return actions.Draft(
            code=data["code"],
            titles={language: data[f"title_{language}"] for language in languages},
            introductions={
                language: data[f"introduction_{language}"]
                for language in languages
                if data.get(f"introduction_{language}")
            },
            questions=data["questions"],
            age_min=data["age_min"],
            age_max=data["age_max"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            network=data.get("network"),
            languages=languages,
        )


def initial_of(consultation: Consultation) -> dict[str, Any]:
    stored = consultation.asked()
    initial: dict[str, Any] = {
        "code": consultation.code,
        "network": consultation.network_id,
        "age_min": consultation.age_min,
        "age_max": consultation.age_max,
        "starts_on": consultation.starts_on,
        "ends_on": consultation.ends_on,
    }
    for language in LANGUAGES:
        initial[f"title_{language}"] = consultation.titles.get(language, "")
        initial[f"introduction_{language}"] = consultation.introductions.get(language, "")
        initial[f"questions_{language}"] = as_text(stored, language)
    return initial


class AnswerForm(forms.Form):
    """A child's answers on the web: who they are in bands, then the questions, each of
    them optional. The organisation's words keep their own direction (``<bdi>``)."""

    def __init__(
        self, consultation: Consultation, language: str, *args: Any, **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.fields["age_band"] = forms.ChoiceField(
            label=_("How old are you?"),
            choices=age_bands(consultation.age_min, consultation.age_max),
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["sex"] = forms.ChoiceField(
            label=_("Are you a girl or a boy?"),
            choices=Sex.choices,
            widget=forms.RadioSelect,
            required=False,
        )
        areas = [
            (area.code, area.name(language))
            for country in actions.countries_of(consultation)
            for area in places.areas(country)
        ]
        if areas:
            self.fields["admin1"] = forms.ChoiceField(
                label=_("Where do you live?"),
                choices=[("", _("I prefer not to say")), *areas],
                required=False,
            )
        self.fields["locality"] = forms.ChoiceField(
            label=_("Do you live in a city or in the countryside?"),
            choices=Locality.choices,
            widget=forms.RadioSelect,
            required=False,
        )
        for index, question in enumerate(consultation.asked()):
            label = format_html("<bdi>{}</bdi>", question.text(language))
            choices = list(enumerate(question.choice_texts(language)))
            field: forms.Field
            if question.kind == "one":
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, widget=IsolatedRadioSelect, required=False
                )
            elif question.kind == "several":
                field = forms.TypedMultipleChoiceField(
                    choices=choices,
                    coerce=int,
                    widget=IsolatedCheckboxSelectMultiple,
                    required=False,
                )
            else:
                field = TextField(
                    max_length=actions.WORDS_MAX,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            field.label = label
            self.fields[f"q{index}"] = field

    def given(self) -> actions.Given:
        """The answers, checked once more by the rules every channel shares."""
        raw = {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])
        }
        return actions.check(self.consultation, raw)
