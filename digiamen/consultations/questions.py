"""A consultation's questions as its editor writes them, and the checks they must pass.

Each language's questions are written in one box, a line each:

    ? A question with one answer
    + A question with several answers
    ~ A question answered in a few words
    - a choice of the question above

Every language given must have the same questions in the same order, with the same number
of choices: an answer is kept as the choice's number, whatever the language it was read in.

The age band, sex, area and kind of place are asked by the platform itself, in bands; a
question that asks a child who they are (name, phone, school, exact age, address, birth
date, e-mail, social media account) is refused, in any of the three languages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from digiamen.core.taxonomy import AgeBand

MAX_QUESTIONS = 10
MIN_CHOICES = 2
MAX_CHOICES = 8
TEXT_MAX = 300
KIND_MARKS = {"?": "one", "+": "several", "~": "words"}

# What asks a child who they are. Whole words, matched on a lower-cased text whose Arabic
# has no diacritics: patterns of the question ("your name", "which school"), not every
# mention of a word ("Do you feel safe at school?" is a fair question).
IDENTIFYING: dict[str, tuple[str, ...]] = {
    "name": (
        r"\byour (?:full |first |last |family )?names?\b",
        r"\bwhat(?:'s| is) your name\b",
        r"\bwho are you\b",
        r"\bton (?:pr[ée])?nom\b",
        r"\bvotre (?:pr[ée])?nom\b",
        r"\bcomment (?:tu t'appelles|t'appelles-tu|vous appelez-vous)\b",
        r"اسمك",
        r"ما اسم",
        r"اسم عائلتك",
    ),
    "phone": (
        r"\b(?:phone|mobile|cell|whatsapp) number\b",
        r"\byour (?:phone |mobile )?number\b",
        r"\bnum[ée]ro de (?:t[ée]l[ée]phone|portable|whatsapp)\b",
        r"\b(?:ton|votre) num[ée]ro\b",
        r"رقم هاتف",
        r"رقم الهاتف",
        r"رقم جوال",
        r"رقمك",
    ),
    "school": (
        r"\b(?:which|what) schools?\b",
        r"\bwhat(?:'s| is) your school\b",
        r"\bname of (?:the |your )?schools?\b",
        r"\bschool(?:'s)? name\b",
        r"\bquel(?:le)? (?:[ée]cole|coll[èe]ge|lyc[ée]e)\b",
        r"\bnom de (?:ton |votre |l'|la |le )?(?:[ée]cole|coll[èe]ge|lyc[ée]e)\b",
        r"اسم مدرست",
        r"اسم المدرسة",
        r"اي مدرسة",
        r"أي مدرسة",
        r"ما مدرستك",
    ),
    "age": (
        r"\bhow old are you\b",
        r"\byour age\b",
        r"\b(?:date of )?birth(?:day| date)?\b",
        r"\bwere you born\b",
        r"\bquel [âa]ge (?:as-tu|avez-vous|tu as)\b",
        r"\b(?:ton|votre) [âa]ge\b",
        r"\bnaissance\b",
        r"عمرك",
        r"سنك",
        r"ميلاد",
    ),
    "address": (
        r"\b(?:your|home) address\b",
        r"\bwhere do you live\b",
        r"\bstreet\b",
        r"\b(?:ton|votre) adresse\b",
        r"\bo[uù] (?:habites-tu|tu habites|vivez-vous|habitez-vous)\b",
        r"عنوانك",
        r"اين تسكن",
        r"أين تسكن",
        r"اين تعيش",
        r"أين تعيش",
    ),
    "account": (
        r"\be-?mail\b",
        r"\b(?:your|ton|votre) (?:account|username|user name|compte|pseudo)\b",
        r"\b(?:instagram|snapchat|tiktok|facebook) (?:name|account|handle)\b",
        r"بريدك",
        r"حسابك",
    ),
}
_IDENTIFYING = {
    what: re.compile("|".join(patterns), re.IGNORECASE) for what, patterns in IDENTIFYING.items()
}

# Words that say something may be hurting the child: the answer page then offers the way
# to tell us and the helpline. Stems, matched inside words, on the same normalised text.
HARM_WORDS = (
    # English
    "abuse", "blackmail", "threat", "naked", "nude", "rape", "touched me", "hurt me",
    "hurting me", "scared", "afraid", "forced", "harass", "sextort", "my photos", "my pictures",
    "kill myself", "suicide",
    # French
    "abus", "chantage", "menace", "nue", "viol", "m'a touch", "me fait mal", "peur",
    "forcé", "force a", "harcel", "mes photos", "me tuer",
    # Arabic
    "ابتز", "يبتز", "تبتز", "تهدد", "يهدد", "تحرش", "اغتصاب", "عاري", "عارية", "صوري",
    "خائف", "خايف",
    "اخاف", "أخاف", "اجبرني", "أجبرني", "لمسني", "انتحار", "اقتل نفسي",
)  # fmt: skip


def normalised(text: str) -> str:
    """Lower case, Arabic without its short vowels and tatweel, spaces collapsed."""
    kept = "".join(c for c in unicodedata.normalize("NFC", text) if not ("\u064b" <= c <= "\u065f"))
    return " ".join(kept.replace("\u0640", "").replace("\u2019", "'").lower().split())


def identifying(text: str) -> str | None:
    """What a question asks that names a child ("name", "phone", ...), or None."""
    plain = normalised(text)
    for what, pattern in _IDENTIFYING.items():
        if pattern.search(plain):
            return what
    return None


def mentions_harm(text: str) -> bool:
    plain = normalised(text)
    return any(word in plain for word in HARM_WORDS)


@dataclass(frozen=True)
class Question:
    kind: str
    texts: dict[str, str]
    choices: list[dict[str, str]]

    def text(self, language: str) -> str:
        return self.texts.get(language) or next(iter(self.texts.values()), "")

    def choice_texts(self, language: str) -> list[str]:
        return [c.get(language) or next(iter(c.values()), "") for c in self.choices]

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "texts": self.texts, "choices": self.choices}


def from_data(stored: list[dict[str, Any]], languages: list[str] | None = None) -> list[Question]:
    """Questions as stored; each text's languages in the order of ``languages`` (the first
    is the fallback), since a JSON object's keys come back in no set order."""

    def ordered(texts: dict[str, Any]) -> dict[str, str]:
        order = [key for key in languages or [] if key in texts]
        return {str(k): str(texts[k]) for k in [*order, *(k for k in texts if k not in order)]}

    return [
        Question(
            kind=str(item["kind"]),
            texts=ordered(item["texts"]),
            choices=[ordered(choice) for choice in item.get("choices", [])],
        )
        for item in stored
    ]


def _parse_one_language(text: str) -> list[tuple[str, str, list[str]]]:
    parsed: list[tuple[str, str, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        mark, rest = line[:1], line[1:].strip()
        if mark in KIND_MARKS and rest:
            parsed.append((KIND_MARKS[mark], rest, []))
        elif mark == "-" and rest:
            if not parsed:
                raise ValidationError(
                    _("Line %(n)s: a choice (“-”) comes under its question.") % {"n": number}
                )
            parsed[-1][2].append(rest)
        else:
            raise ValidationError(
                _("Line %(n)s: start it with “?”, “+”, “~” or “-”.") % {"n": number}
            )
        if len(rest) > TEXT_MAX:
            raise ValidationError(
                _("Line %(n)s is longer than %(max)s characters.") % {"n": number, "max": TEXT_MAX}
            )
    return parsed


def parse(texts: dict[str, str]) -> list[Question]:
    """The questions written in each language, checked and put together; ValidationError
    names what is wrong, in the editor's language."""
    given = {language: text for language, text in texts.items() if text.strip()}
    if not given:
        raise ValidationError(_("Write the questions in at least one language."))
    parsed = {language: _parse_one_language(text) for language, text in given.items()}
    first_language, first = next(iter(parsed.items()))
    if not 1 <= len(first) <= MAX_QUESTIONS:
        raise ValidationError(_("Ask from 1 to %(n)s questions.") % {"n": MAX_QUESTIONS})
    for language, questions in parsed.items():
        same = len(questions) == len(first) and all(
            kind == other_kind and len(choices) == len(other_choices)
            for (kind, _t, choices), (other_kind, _o, other_choices) in zip(
                questions, first, strict=True
            )
        )
        if not same:
            raise ValidationError(
                _(
                    "The questions in %(language)s must match the others: the same questions "
                    "in the same order, each with as many choices."
                )
                % {"language": language_name(language)}
            )
    for index, (kind, _text, choices) in enumerate(first, start=1):
        if kind == "words" and choices:
            raise ValidationError(
                _("Question %(n)s is answered in a few words: it has no choices.") % {"n": index}
            )
        if kind != "words" and not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            raise ValidationError(
                _("Question %(n)s needs from %(min)s to %(max)s choices.")
                % {"n": index, "min": MIN_CHOICES, "max": MAX_CHOICES}
            )
    for questions in parsed.values():
        for index, (_kind, text, choices) in enumerate(questions, start=1):
            for part in (text, *choices):
                what = identifying(part)
                if what is not None:
                    raise ValidationError(
                        _(
                            "Question %(n)s asks something that could tell who a child is "
                            "(%(what)s). Children are asked only their age band, sex and "
                            "area, which the consultation asks by itself."
                        )
                        % {"n": index, "what": identifying_label(what)}
                    )
    del first_language
    return [
        Question(
            kind=kind,
            texts={language: parsed[language][i][1] for language in parsed},
            choices=[
                {language: parsed[language][i][2][c] for language in parsed}
                for c in range(len(choices))
            ],
        )
        for i, (kind, _text, choices) in enumerate(first)
    ]


def language_name(language: str) -> str:
    return {"ar": _("Arabic"), "fr": _("French"), "en": _("English")}.get(language, language)


def identifying_label(what: str) -> str:
    return {
        "name": _("a name"),
        "phone": _("a phone number"),
        "school": _("a school"),
        "age": _("an exact age or birth date"),
        "address": _("an address"),
        "account": _("an e-mail or an account"),
    }[what]


def as_text(questions: list[Question], language: str) -> str:
    """The editor's box for one language, from stored questions."""
    marks = {kind: mark for mark, kind in KIND_MARKS.items()}
    lines: list[str] = []
    for question in questions:
        if language not in question.texts:
            return ""
        lines.append(f"{marks[question.kind]} {question.texts[language]}")
        lines.extend(f"- {choice[language]}" for choice in question.choices)
    return "\n".join(lines)


AGE_BANDS = (("6_11", 6, 11), ("12_14", 12, 14), ("15_17", 15, 17))


def age_bands(age_min: int, age_max: int) -> list[tuple[str, str]]:
    """The age bands a child of the consultation's range picks from, and "prefer not to say"."""
    labels = dict(AgeBand.choices)
    bands = [
        (code, str(labels[code]))
        for code, low, high in AGE_BANDS
        if low <= age_max and high >= age_min
    ]
    return [*bands, (AgeBand.UNKNOWN.value, str(labels[AgeBand.UNKNOWN]))]
