"""The scripted conversation: one question per message, numbered answers, in Arabic, French
or English. Pure functions: the state in, the state and the replies out (no database)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from digiamen.core import places
from digiamen.core.digits import normalize_digits
from digiamen.core.taxonomy import AgeBand, HarmType

STEPS = ("harm", "country", "area", "age", "story", "consent")
# Answers the reporter writes in their own words: the caller seals them for the
# organisation as they arrive and keeps none of them (actions.py). The others are choices
# from the taxonomy, stored in clear on the report anyway.
FREE_TEXT = ("narrative",)
STOP_WORDS = {"stop", "قف", "arret", "arrêt", "توقف", "stopp"}
LANGUAGE_WORDS = {
    "ar": {"ar", "عربي", "عربية", "arabic", "arabe"},
    "fr": {"fr", "français", "francais", "bonjour", "salut", "aide", "french"},
    "en": {"en", "english", "hello", "hi", "help", "anglais"},
}
STORY_MAX = 1000
ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass
class State:
    language: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    state: State
    replies: list[str]
    finished: bool = False  # every answer given: submit the report
    stopped: bool = False


def clean_text(text: str) -> str:
    """Printable characters only: no controls, no direction overrides."""
    kept = (c for c in text if unicodedata.category(c)[0] != "C" or c in "\n")
    return "".join(kept).strip()


def word_of(text: str) -> str:
    return clean_text(text).strip().lower().strip(".!")


def language_of(text: str, default: str) -> str:
    word = word_of(text)
    for language, words in LANGUAGE_WORDS.items():
        if word in words:
            return language
    if ARABIC.search(text):
        return "ar"
    return default if default in places.LANGUAGES else "ar"


def numbers_in(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", normalize_digits(text))]


def _options(labels: list[str], start: int = 1) -> str:
    return "\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=start))


def countries(default_country: str) -> list[str]:
    ordered = [default_country] if default_country in places.COUNTRY_CODES else []
    return ordered + [code for code in places.COUNTRY_CODES if code not in ordered]


def question(state: State, default_country: str) -> str:
    with translation.override(state.language):
        if state.step == "harm":
            labels = [str(label) for _code, label in HarmType.choices]
            return _("What happened? Reply with one or more numbers:") + "\n" + _options(labels)
        if state.step == "country":
            names = [places.country_name(c, state.language) for c in countries(default_country)]
            return _("In which country? Reply with a number:") + "\n" + _options(names)
        if state.step == "area":
            areas = places.areas(state.answers.get("country", ""))
            names = [area.name(state.language) for area in areas]
            return (
                _("In which region? Reply with a number, or 0 if you prefer not to say:")
                + "\n"
                + _options(names)
            )
        if state.step == "age":
            labels = [str(label) for _code, label in AgeBand.choices]
            return _("How old is the child? Reply with a number:") + "\n" + _options(labels)
        if state.step == "story":
            return _("In a few words, what happened? (Reply 0 to skip.)")
        return _(
            "May a counsellor contact you on this number, refer you to a service that can help, "
            "and count your report, without any name, in statistics? Reply 1 for yes, 2 for no."
        )


def start(text: str, default_language: str, default_country: str) -> Outcome:
    state = State(language=language_of(text, default_language), step="harm")
    with translation.override(state.language):
        intro = _(
            "You can tell us here, safely, about harm to a child online. Send STOP at any time "
            "to end and delete your answers. Send AR, FR or EN to change the language."
        )
    return Outcome(state, [intro, question(state, default_country)])


def answer(state: State, text: str, default_country: str) -> Outcome:
    """Apply one message to the conversation."""
    word = word_of(text)
    if word in STOP_WORDS:
        with translation.override(state.language):
            return Outcome(state, [_("Stopped. Your answers were deleted.")], stopped=True)
    for language, words in LANGUAGE_WORDS.items():
        if word in words and word in {"ar", "fr", "en"}:
            state.language = language
            return Outcome(state, [question(state, default_country)])
    accepted = _apply(state, text, default_country)
    if not accepted:
        with translation.override(state.language):
            sorry = _("Sorry, I did not understand.")
        return Outcome(state, [sorry, question(state, default_country)])
    next_index = STEPS.index(state.step) + 1
    if state.step == "country" and not places.areas(state.answers.get("country", "")):
        next_index += 1  # no regions known for this country
    if next_index >= len(STEPS):
        return Outcome(state, [], finished=True)
    state.step = STEPS[next_index]
    return Outcome(state, [question(state, default_country)])


def _apply(state: State, text: str, default_country: str) -> bool:
    numbers = numbers_in(text)
    answers = state.answers
    if state.step == "harm":
        codes = HarmType.values
        chosen = [codes[n - 1] for n in numbers if 1 <= n <= len(codes)]
        if not chosen or len(chosen) != len(numbers):
            return False
        answers["harm_types"] = list(dict.fromkeys(chosen))
    elif state.step == "country":
        options = countries(default_country)
        if len(numbers) != 1 or not 1 <= numbers[0] <= len(options):
            return False
        answers["country"] = options[numbers[0] - 1]
    elif state.step == "area":
        areas = places.areas(answers.get("country", ""))
        if len(numbers) != 1 or not 0 <= numbers[0] <= len(areas):
            return False
        answers["admin1"] = areas[numbers[0] - 1].code if numbers[0] else ""
    elif state.step == "age":
        bands = AgeBand.values
        if len(numbers) != 1 or not 1 <= numbers[0] <= len(bands):
            return False
        answers["age_band"] = bands[numbers[0] - 1]
    elif state.step == "story":
        story = clean_text(text)
        answers["narrative"] = "" if normalize_digits(story) == "0" else story[:STORY_MAX]
    else:
        if numbers not in ([1], [2]):
            return False
        agreed = numbers == [1]
        answers["consent_contact"] = agreed
        answers["consent_referral"] = agreed
        answers["consent_statistics"] = agreed
    return True
