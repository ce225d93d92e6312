"""The only writers of consultations and their answers.

Writing and publishing a consultation is audited (who asked children what, and when).
Answers are not: an audit row would give the moment of an answer. An answer is stored
whole or not at all: its response row and its sealed words in one transaction, after the
consultation is found open (in its organisation's time zone) under a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from digiamen.accounts import time_zones
from digiamen.accounts.models import Organisation
from digiamen.consultations.models import Consultation, Response, Words
from digiamen.consultations.questions import Question, age_bands, mentions_harm
from digiamen.core import audit, encryption, places
from digiamen.core.taxonomy import Locality, Sex
from digiamen.core.text import list_separator
from digiamen.networks.models import Network, NetworkMember

WORDS_MAX = 500
PROFILE_FIELDS = ("age_band", "sex", "admin1", "locality")


class ConsultationRefused(Exception):
    """Why nothing was stored, translated for whoever answered."""


def today_of(consultation: Consultation) -> date:
    return time_zones.local(timezone.now(), consultation.organisation).date()


def is_open(consultation: Consultation) -> bool:
    return consultation.is_open_on(today_of(consultation))


def open_consultations() -> list[Consultation]:
    """Every consultation children can answer today (each in its organisation's day)."""
    utc_today = timezone.now().astimezone(UTC).date()
    near = Consultation.objects.filter(
        status=Consultation.Status.PUBLISHED,
        starts_on__lte=utc_today + timedelta(days=1),
        ends_on__gte=utc_today - timedelta(days=1),
    ).select_related("organisation", "network")
    return [consultation for consultation in near if is_open(consultation)]


def countries_of(consultation: Consultation) -> list[str]:
    """Where children are invited: the organisation's country, and a network's members'."""
    found = [consultation.organisation.country]
    if consultation.network_id:
        found += NetworkMember.objects.filter(network_id=consultation.network_id).values_list(
            "organisation__country", flat=True
        )
    return sorted({country for country in found if country})


def country_names(consultation: Consultation, language: str) -> str:
    return list_separator(language).join(
        places.country_name(country, language) for country in countries_of(consultation)
    )


def open_for_gateway_organisation(organisation: Organisation) -> Q:
    """Consultations a text message to this organisation's numbers may answer: its own,
    and those of the networks it runs or belongs to."""
    networks = Network.objects.of(organisation).values("pk")
    return Q(organisation=organisation, network__isnull=True) | Q(network__in=networks)


@dataclass
class Draft:
    code: str
    titles: dict[str, str]
    introductions: dict[str, str]
    questions: list[Question]
    age_min: int
    age_max: int
    starts_on: date
    ends_on: date
    network: Network | None = None
    languages: list[str] = field(default_factory=list)


@transaction.atomic
def save_draft(
    organisation: Organisation, actor: Any, draft: Draft, consultation: Consultation | None = None
) -> Consultation:
    if consultation is None:
        consultation = Consultation(organisation=organisation, created_by=actor)
    else:
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if consultation.status != Consultation.Status.DRAFT:
            raise ConsultationRefused(_("A published consultation cannot be changed."))
    consultation.code = draft.code
    consultation.network = draft.network
    consultation.languages = draft.languages
    consultation.titles = draft.titles
    consultation.introductions = draft.introductions
    consultation.questions = [question.as_data() for question in draft.questions]
    consultation.age_min, consultation.age_max = draft.age_min, draft.age_max
    consultation.starts_on, consultation.ends_on = draft.starts_on, draft.ends_on
    consultation.save()
    audit.record(
        "consultation.saved",
        actor=actor,
        organisation=organisation,
        obj=consultation,
        details={"questions": len(draft.questions), "network": bool(draft.network)},
    )
    return consultation


@transaction.atomic
def publish(consultation: Consultation, actor: Any) -> None:
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if locked.status != Consultation.Status.DRAFT:
        raise ConsultationRefused(_("This consultation is already published or closed."))
    if locked.ends_on < today_of(locked):
        raise ConsultationRefused(_("Its end date has passed: choose new dates first."))
    Consultation.objects.filter(pk=locked.pk).update(
        status=Consultation.Status.PUBLISHED, published_at=timezone.now()
    )
    audit.record(
        "consultation.published", actor=actor, organisation=locked.organisation, obj=locked
    )


@transaction.atomic
def close(consultation: Consultation, actor: Any) -> None:
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if locked.status != Consultation.Status.PUBLISHED:
        raise ConsultationRefused(_("Only a published consultation can be closed."))
    Consultation.objects.filter(pk=locked.pk).update(
        status=Consultation.Status.CLOSED, closed_at=timezone.now()
    )
    audit.record("consultation.closed", actor=actor, organisation=locked.organisation, obj=locked)


@dataclass
class Given:
    """One child's answers, checked: the profile, then one entry per question."""

    age_band: str
    sex: str
    admin1: str
    locality: str
    choices: list[int | list[int] | None]
    words: dict[int, str]

    @property
    def harm_mentioned(self) -> bool:
        return any(mentions_harm(text) for text in self.words.values())


def check(consultation: Consultation, raw: dict[str, Any], *, written: bool = False) -> Given:
    """Answers from any channel (strings as a form sends them) as ``Given``; every answer
    is optional but must be one of the choices, and one at least is answered (``written``:
    words were already sealed, by text message). ConsultationRefused says what is wrong."""
    bands = {code for code, _label in age_bands(consultation.age_min, consultation.age_max)}
    age_band = str(raw.get("age_band") or "unknown")
    sex = str(raw.get("sex") or "unknown")
    admin1 = str(raw.get("admin1") or "")
    locality = str(raw.get("locality") or "unknown")
    if age_band not in bands or sex not in Sex.values or locality not in Locality.values:
        raise ConsultationRefused(_("Choose your answers from the lists."))
    if admin1 and not any(
        places.is_area_of(admin1, country) for country in countries_of(consultation)
    ):
        raise ConsultationRefused(_("Choose your region from the list."))
    choices: list[int | list[int] | None] = []
    words: dict[int, str] = {}
    for index, question in enumerate(consultation.asked()):
        value = raw.get(f"q{index}")
        if question.kind == "words":
            text = str(value or "").strip()
            if len(text) > WORDS_MAX:
                raise ConsultationRefused(
                    _("Your words are too long: write at most %(n)s characters.") % {"n": WORDS_MAX}
                )
            if text:
                words[index] = text
            choices.append(None)
            continue
        picked = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        numbers = []
        for item in picked:
            try:
                number = int(str(item))
            except ValueError:
                raise ConsultationRefused(_("Choose your answers from the lists.")) from None
            if not 0 <= number < len(question.choices):
                raise ConsultationRefused(_("Choose your answers from the lists."))
            numbers.append(number)
        if question.kind == "one" and len(numbers) > 1:
            raise ConsultationRefused(_("Choose one answer only where it says so."))
        if question.kind == "one":
            choices.append(numbers[0] if numbers else None)
        else:
            choices.append(sorted(set(numbers)) or None)
    if not written and not words and all(choice is None for choice in choices):
        raise ConsultationRefused(_("Answer at least one question, or close this page."))
    return Given(age_band, sex, admin1, locality, choices, words)


def this_month() -> date:
    # The month as the statistics count it (UTC), like a report's.
    return timezone.now().astimezone(UTC).date().replace(day=1)


def locked_open(consultation: Consultation) -> Consultation:
    locked = (
        Consultation.objects.select_for_update()
        .select_related("organisation")
        .get(pk=consultation.pk)
    )
    if not is_open(locked):
        raise ConsultationRefused(
            _("This consultation is closed: answers are no longer taken. Thank you.")
        )
    return locked


def seal_words(words: Words, text: str, organisation: Organisation) -> None:
    def seal(place: encryption.Place) -> bytes:
        return encryption.seal_for_organisation(organisation, text, place=place)

    encryption.store_sealed(words, "sealed", seal, owner=organisation)


@transaction.atomic
def answer(
    consultation: Consultation, given: Given, *, channel: str, submission_lookup: str = ""
) -> Response:
    """Store one child's answers; ConsultationRefused (closed) stores nothing."""
    locked = locked_open(consultation)
    if (
        submission_lookup
        and Response.objects.filter(
            consultation=locked, submission_lookup=submission_lookup
        ).exists()
    ):
        raise AlreadyReceived
    month = this_month()
    response = Response.objects.create(
        consultation=locked,
        channel=channel,
        month=month,
        age_band=given.age_band,
        sex=given.sex,
        admin1=given.admin1,
        locality=given.locality,
        answers=given.choices,
        submission_lookup=submission_lookup,
    )
    for index, text in given.words.items():
        row = Words.objects.create(consultation=locked, question=index, month=month)
        seal_words(row, text, locked.organisation)
    return response


class AlreadyReceived(Exception):
    """The same offline form was sent again: it was counted the first time."""
