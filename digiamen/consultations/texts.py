"""A consultation answered by text message, through the organisation's gateways.

A child sends the consultation's keyword (the code on the poster: "VOICE-2027"); the
questions come one at a time, each answered with a number (Arabic-Indic digits too; several
numbers where several answers may be chosen; 0 skips), or in a few words. The choices made
so far wait in ``TextSession`` under the sender's keyed lookup, for an hour; words are sealed
for the organisation as they arrive and wait beside it. The last answer stores the response
through ``actions.answer`` and ends the session in one transaction (inside ``channels``' own,
which remembers the reply for the gateway's retries). STOP ends it and forgets everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiamen.channels import script
from digiamen.channels.models import Gateway
from digiamen.consultations import actions
from digiamen.consultations.models import Consultation, Response, TextSession, Words
from digiamen.consultations.questions import Question, age_bands, mentions_harm
from digiamen.core import places, signals
from digiamen.core.digits import normalize_digits
from digiamen.core.taxonomy import Locality, Sex
from digiamen.intake.helplines import helplines_for

SESSION_MINUTES = 60
SKIP = "0"
PROFILE = actions.PROFILE_FIELDS


@dataclass(frozen=True)
class Step:
    name: str  # a profile field, or "q<n>"
    kind: str  # "one", "several" or "words"
    text: str
    choices: list[tuple[str, str]]  # (value stored, label)


def _areas(consultation: Consultation, language: str) -> list[tuple[str, str]]:
    countries = actions.countries_of(consultation)
    if len(countries) != 1:
        return []  # a network across countries: too many areas for a text message
    return [(area.code, area.name(language)) for area in places.areas(countries[0])]


def steps(consultation: Consultation, language: str) -> list[Step]:
    with translation.override(language):
        profile = [
            Step(
                "age_band",
                "one",
                _("How old are you?"),
                [
                    (code, label)
                    for code, label in age_bands(consultation.age_min, consultation.age_max)
                    if code != "unknown"
                ],
            ),
            Step(
                "sex",
                "one",
                _("Are you a girl or a boy?"),
                [(Sex.FEMALE.value, str(Sex.FEMALE.label)), (Sex.MALE.value, str(Sex.MALE.label))],
            ),
            Step("admin1", "one", _("Where do you live?"), _areas(consultation, language)),
            Step(
                "locality",
                "one",
                _("Do you live in a city or in the countryside?"),
                [
                    (Locality.URBAN.value, str(Locality.URBAN.label)),
                    (Locality.RURAL.value, str(Locality.RURAL.label)),
                ],
            ),
        ]
    asked: list[Question] = consultation.asked()
    return [step for step in profile if step.choices] + [
        Step(
            f"q{index}",
            question.kind,
            question.text(language),
            [(str(n), label) for n, label in enumerate(question.choice_texts(language))],
        )
        for index, question in enumerate(asked)
    ]


def render(step: Step, language: str) -> str:
    with translation.override(language):
        lines = [step.text]
        lines += [f"{n}. {label}" for n, (_value, label) in enumerate(step.choices, start=1)]
        if step.kind == "one":
            lines.append(_("Reply with one number, or 0 to skip."))
        elif step.kind == "several":
            lines.append(_("Reply with one or more numbers (for example 1 3), or 0 to skip."))
        else:
            lines.append(_("Reply in a few words, or 0 to skip."))
        return "\n".join(lines)


def _language(consultation: Consultation, text: str, default: str) -> str:
    languages = consultation.languages or ["ar"]
    words = script.clean_text(text).split()
    for word in words[1:3]:
        hinted = script.language_of(word, "")
        if hinted in languages:
            return hinted
    if script.ARABIC.search(text) and "ar" in languages:
        return "ar"
    return default if default in languages else languages[0]


def _keyword(text: str) -> str:
    words = script.clean_text(text).split()
    return words[0].upper().strip(".!") if words else ""


def _for_gateway(gateway: Gateway) -> Q:
    return actions.open_for_gateway_organisation(gateway.organisation)


def start(gateway: Gateway, lookup: str, text: str, now: datetime) -> list[str] | None:
    """A first message that names a consultation: its first question, or why not."""
    code = _keyword(text)
    if not code or not re.fullmatch(r"[A-Z0-9-]{3,24}", code):
        return None
    consultation = (
        Consultation.objects.filter(_for_gateway(gateway), code=code)
        .exclude(status=Consultation.Status.DRAFT)
        .select_related("organisation")
        .first()
    )
    if consultation is None:
        return None
    default = (gateway.organisation.languages or ["ar"])[0]
    language = _language(consultation, text, default)
    if not actions.is_open(consultation):
        with translation.override(language):
            return [_("This consultation is closed: answers are no longer taken. Thank you.")]
    TextSession.objects.filter(gateway=gateway, sender_lookup=lookup).delete()
    session = TextSession.objects.create(
        consultation=consultation,
        gateway=gateway,
        sender_lookup=lookup,
        language=language,
        expires_at=now + timedelta(minutes=SESSION_MINUTES),
    )
    title = consultation.title_in(language)
    with translation.override(language):
        welcome = "\n".join(
            [
                title,
                _(
                    "A few questions for children. You do not give your name; your answers "
                    "are counted with others. Reply STOP at any time."
                ),
            ]
        )
    return [welcome, render(steps(consultation, language)[session.step], language)]


def plain(text: str) -> str:
    """A text message's spaces as every phone shows them: French typography's narrow and
    no-break spaces become plain ones (some gateways turn them into question marks)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _picked(step: Step, reply: str) -> str | list[str] | None:
    """The reply as values of the step's choices; raises ValueError if it is not."""
    numbers = [int(n) for n in re.findall(r"\d+", normalize_digits(reply))]
    if not numbers or re.sub(r"[\d\s,;.،؛]", "", normalize_digits(reply)):
        raise ValueError(reply)
    if any(not 1 <= n <= len(step.choices) for n in numbers):
        raise ValueError(reply)
    values = [step.choices[n - 1][0] for n in numbers]
    if step.kind == "one":
        if len(values) != 1:
            raise ValueError(reply)
        return values[0]
    return sorted(set(values))


def take(session: TextSession, text: str, now: datetime) -> list[str]:
    consultation = session.consultation
    language = session.language
    all_steps = steps(consultation, language)
    step = all_steps[session.step]
    reply = text.strip()
    with translation.override(language):
        if normalize_digits(reply) == SKIP:
            value: Any = None
        elif step.kind == "words":
            if len(reply) > actions.WORDS_MAX:
                return [
                    _("Your words are too long: write at most %(n)s characters.")
                    % {"n": actions.WORDS_MAX}
                ]
            value = None
            index = int(step.name[1:])
            words = Words.objects.create(
                consultation=consultation,
                question=index,
                month=actions.this_month(),
                session=session,
            )
            actions.seal_words(words, reply, consultation.organisation)
            session.harm_mentioned = session.harm_mentioned or mentions_harm(reply)
        else:
            try:
                value = _picked(step, reply)
            except ValueError:
                return [_("Reply with a number from the list."), render(step, language)]
        if value is not None:
            session.answers[step.name] = value
        session.step += 1
        session.expires_at = now + timedelta(minutes=SESSION_MINUTES)
        if session.step < len(all_steps):
            session.save()
            return [render(all_steps[session.step], language)]
        return _finish(session)


def _finish(session: TextSession) -> list[str]:
    consultation = session.consultation
    raw = {name: session.answers.get(name) for name in PROFILE}
    for key, value in session.answers.items():
        if key.startswith("q"):
            raw[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    try:
        written = Words.objects.filter(session=session).exists()
        given = actions.check(consultation, raw, written=written)
        actions.answer(consultation, given, channel=Response.Channel.SMS)
    except actions.ConsultationRefused as refused:
        session.delete()  # its waiting words go with it
        return [str(refused)]
    Words.objects.filter(session=session).update(session=None)
    harm = session.harm_mentioned
    session.delete()
    replies = [_("Thank you! Your answers were counted with other children's.")]
    if harm:
        replies.append(harm_reply(consultation))
    return replies


def harm_reply(consultation: Consultation) -> str:
    """For a child whose words say something may be hurting them: how to tell us."""
    numbers = ", ".join(
        f"{line.name.get(translation.get_language() or 'ar') or next(iter(line.name.values()), '')}"
        f" {line.phone}"
        for line in helplines_for(consultation.organisation.country)
    )
    text = _(
        "What you wrote sounds like something may be hurting you. It is not your fault. "
        "To tell a counsellor, send a new message to this number."
    )
    if numbers:
        text += " " + _("You can also call: %(numbers)s.") % {"numbers": numbers}
    return text


def stop(gateway: Gateway, lookups: list[str]) -> list[str] | None:
    session = TextSession.objects.filter(gateway=gateway, sender_lookup__in=lookups).first()
    if session is None:
        return None
    language = session.language
    session.delete()
    with translation.override(language):
        return [_("Your answers were deleted. Thank you.")]


def expire() -> int:
    """Sessions left unanswered for an hour: what was answered of them goes, unread."""
    removed, _rows = TextSession.objects.filter(expires_at__lte=timezone.now()).delete()
    return removed


@receiver(signals.text_received)
def _text_received(
    sender: Any, gateway: Gateway, lookups: list[str], text: str, now: datetime, **kwargs: Any
) -> list[str] | None:
    replies = _replies(gateway, lookups, text, now)
    return [plain(reply) for reply in replies] if replies is not None else None


def _replies(gateway: Gateway, lookups: list[str], text: str, now: datetime) -> list[str] | None:
    if script.word_of(text) in script.STOP_WORDS:
        return stop(gateway, lookups)
    session = (
        TextSession.objects.select_for_update()
        .filter(gateway=gateway, sender_lookup__in=lookups, expires_at__gt=now)
        .select_related("consultation__organisation")
        .first()
    )
    if session is not None:
        started = start(gateway, lookups[0], text, now)  # a new keyword starts afresh
        return started if started is not None else take(session, text, now)
    return start(gateway, lookups[0], text, now)
