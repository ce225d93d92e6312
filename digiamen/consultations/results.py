"""A consultation's answers as protected tables: one per question with choices, its rows
a breakdown of the children who answered (age band, sex, area, kind of place, channel).

The disclosure control is the statistics pages' own (``evidence.disclosure``), with the
rule of the survivors' feedback on top: a row of fewer answers than the threshold shows
nothing at all (not even its zeros, which would tell that a few children answered alike),
and nothing is shown before the consultation has that many answers in all. The few words
are read apart (``words``), shuffled, by those who hold the organisation's key.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from digiamen.consultations.models import Consultation, Response, Words
from digiamen.consultations.questions import age_bands
from digiamen.core import encryption, places
from digiamen.core.taxonomy import Locality, Sex
from digiamen.evidence import statistics
from digiamen.evidence.voices import AnswerTable, protect_answer_rows

BREAKDOWNS = {
    "age_band": gettext_lazy("Age band"),
    "sex": gettext_lazy("Sex"),
    "admin1": gettext_lazy("Region or governorate"),
    "locality": gettext_lazy("City or countryside"),
    "channel": gettext_lazy("Channel"),
}


@dataclass
class Results:
    consultation: Consultation
    breakdown: str
    answers: int
    threshold: int
    tables: list[AnswerTable]

    @property
    def shown(self) -> bool:
        return self.answers >= self.threshold

    @property
    def breakdown_label(self) -> str:
        return str(BREAKDOWNS[self.breakdown])


def _row_labels(consultation: Consultation, breakdown: str) -> dict[str, str]:
    if breakdown == "age_band":
        return dict(age_bands(consultation.age_min, consultation.age_max))
    if breakdown == "sex":
        return {str(code): str(label) for code, label in Sex.choices}
    if breakdown == "locality":
        return {str(code): str(label) for code, label in Locality.choices}
    if breakdown == "channel":
        return {str(code): str(label) for code, label in Response.Channel.choices}
    return {"": _("Not given")}  # areas are named as they come (``_label``)


def _label(labels: dict[str, str], breakdown: str, key: str) -> str:
    if breakdown == "admin1" and key:
        area = places.area(key)
        return area.name(get_language() or "en") if area else key
    return labels.get(key, key)


def results(consultation: Consultation, breakdown: str = "age_band") -> Results:
    if breakdown not in BREAKDOWNS:
        breakdown = "age_band"
    threshold = statistics.threshold()
    language = get_language() or "en"
    questions = consultation.asked()
    widths = [len(question.choices) for question in questions]
    # One pass over the answers (no GROUP BY on the answers' JSON: nearly every child's
    # answers differ), counting every question at once: {question: {row: counts}}.
    counted: list[dict[str, list[int]]] = [{} for _question in questions]
    rows = list(
        Response.objects.filter(consultation=consultation)
        .annotate(stored=Cast("answers", TextField()))
        .values_list(breakdown, "stored")
    )
    # The answers as the database keeps them (JSON this app wrote), read in one parse:
    # twenty thousand small parses cost more than the counting.
    decoded = json.loads("[" + ",".join(stored for _key, stored in rows) + "]") if rows else []
    total = len(rows)
    for (key, _stored), answers in zip(rows, decoded, strict=True):
        row = str(key or "")
        for index, given in enumerate((answers or [])[: len(questions)]):
            width = widths[index]
            if given is None or not width:
                continue
            line = counted[index].get(row)
            if line is None:
                line = counted[index][row] = [0] * width
            for number in given if isinstance(given, list) else [given]:
                if isinstance(number, int) and 0 <= number < width:
                    line[number] += 1
    labels = _row_labels(consultation, breakdown)
    order = list(labels)
    tables = []
    for index, question in enumerate(questions):
        if question.kind == "words":
            continue
        width = widths[index]
        keys = sorted(
            counted[index],
            key=lambda key: (
                order.index(key) if key in order else len(order),
                _label(labels, breakdown, key),
            ),
        )
        protected = protect_answer_rows([counted[index][key] for key in keys], width, threshold)
        tables.append(
            AnswerTable(
                f"q{index}",
                question.text(language),
                [(key, _label(labels, breakdown, key)) for key in keys],
                question.choice_texts(language),
                protected,
            )
        )
    return Results(consultation, breakdown, total, threshold, tables)


@dataclass
class WordsRead:
    count: int
    threshold: int
    # (question, the words written to it, shuffled)
    questions: list[tuple[str, list[str]]]


def words(request: HttpRequest, consultation: Consultation) -> WordsRead:
    """What children wrote, opened for a member who holds the organisation's key (one
    audited read), per question, in no order, never beside who wrote it; nothing under
    the threshold of answers in all."""
    organisation = consultation.organisation
    rows = list(
        Words.objects.filter(consultation=consultation, session__isnull=True)
        .exclude(sealed=b"")
        .only("pk", "question", "sealed")
    )
    threshold = statistics.threshold()
    answered = Response.objects.filter(consultation=consultation).count()
    if answered < threshold or not rows:
        return WordsRead(len(rows), threshold, [])
    opened = encryption.open_many_for_member(
        request,
        organisation,
        [(bytes(row.sealed), encryption.Place.of(row, "sealed", organisation)) for row in rows],
        audit_object=consultation,
        audit_action="consultation.words_read",
    )
    by_question: dict[int, list[str]] = defaultdict(list)
    for row, value in zip(rows, opened, strict=True):
        if value is not None:
            by_question[row.question].append(value.decode())
    language = get_language() or "en"
    shuffle = random.SystemRandom().shuffle
    found = []
    for index, question in enumerate(consultation.asked()):
        if question.kind == "words":
            texts = by_question.get(index, [])
            shuffle(texts)
            found.append((question.text(language), texts))
    return WordsRead(len(rows), threshold, found)
