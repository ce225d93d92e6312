"""What children said of the help they got (``feedback``), as protected tables.

One table per question: rows are the kind of help (service type, or the referred service),
columns the answers, the row total the number of answers. Beyond the usual disclosure
control, a row of fewer answers than the threshold shows nothing at all (not even its
zeros, which would tell that all of a few children answered alike), and a table of fewer
answers in all is not shown.

A network's table adds up the answers of the members that share their figures; a row
that fewer than ``MIN_ORGANISATIONS`` organisations answered for is hidden too, so that a
member cannot subtract its own answers and read another's.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.core import encryption
from digiamen.directory.models import Service
from digiamen.directory.taxonomy import ServiceType
from digiamen.evidence import statistics
from digiamen.evidence.disclosure import Cell, ProtectedTable, extend, protect_extended
from digiamen.evidence.statistics import Period, StatisticsError
from digiamen.feedback.models import OWN_HELP, Answer
from digiamen.networks.models import Network, NetworkMember

GROUPINGS = ("service_type", "service")
QUESTION_FIELDS = ("listened", "helped", "recommend")
MIN_ORGANISATIONS = 3


def questions() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(field, question, [(answer code, label)]) in the order the child saw them."""
    return [
        ("listened", _("Did you feel listened to?"), _choices(Answer.Listened)),
        ("helped", _("Did you get the help you needed?"), _choices(Answer.Helped)),
        ("recommend", _("Would you tell a friend to contact us?"), _choices(Answer.Recommend)),
    ]


def _choices(answers: type[models.TextChoices]) -> list[tuple[str, str]]:
    return [(str(code), str(label)) for code, label in answers.choices]


@dataclass
class AnswerTable:
    question: str
    title: str
    rows: list[tuple[str, str]]
    columns: list[str]
    protected: ProtectedTable

    def as_rows(self) -> list[tuple[str, list[int | str], int | str]]:
        """(label, cells, answers) for each row, then the totals ("" as label)."""
        width = len(self.columns)
        return [
            (
                label,
                [self.protected.shown(i, j) for j in range(width)],
                self.protected.shown(i, width),
            )
            for i, (_code, label) in enumerate([*self.rows, ("", "")])
        ]


@dataclass
class Voices:
    period: Period
    answers: int
    threshold: int
    tables: list[AnswerTable]

    @property
    def shown(self) -> bool:
        return self.answers >= self.threshold


def _kind_label(service_type: str) -> str:
    if service_type == OWN_HELP:
        return _("Your organisation's own help")
    return str(dict(ServiceType.choices).get(service_type, service_type))


def _row_labels(grouping: str, keys: Iterable[str]) -> dict[str, str]:
    """Each row's label: a type of service, or a referred service's name in the reader's
    language (``type:...`` when the service left the directory)."""
    if grouping == "service_type":
        return {key: _kind_label(key) for key in keys}
    wanted = [key for key in keys if key != OWN_HELP and not key.startswith("type:")]
    names = {str(found.pk): found.local_name for found in Service.objects.filter(pk__in=wanted)}
    return {key: names.get(key) or _kind_label(key.removeprefix("type:")) for key in keys}


def _key(grouping: str, row: dict[str, object]) -> str:
    service_type = str(row["service_type"])
    if grouping == "service_type" or service_type == OWN_HELP:
        return service_type
    service = row["service"]
    return str(service) if service is not None else f"type:{service_type}"


def protect_answer_rows(
    counts: list[list[int]], width: int, threshold: int, hidden_rows: set[int] | None = None
) -> ProtectedTable:
    """A table of answers protected as the statistics are, and more: a row of fewer answers
    than the threshold (or one of ``hidden_rows``) shows nothing, not even its zeros."""
    if not counts:
        return ProtectedTable(values=[[0] * (width + 1)], threshold=threshold)
    values = extend(counts)
    unknown: set[Cell] = {
        (i, j)
        for i in range(len(counts))
        if values[i][width] < threshold or i in (hidden_rows or set())
        for j in range(width + 1)
    }
    return protect_extended(values, threshold, unknown)


def _tables(
    answers: QuerySet[Answer], grouping: str, chosen: Period, thin: set[str] | None = None
) -> Voices:
    if grouping not in GROUPINGS:
        raise StatisticsError(_("This dimension is not known."))
    threshold = statistics.threshold()
    # One pass over the answers: every combination of kind of help and the three answers.
    combinations = list(
        answers.values("service_type", "service", *QUESTION_FIELDS).annotate(n=Count("pk"))
    )
    total = sum(int(row["n"]) for row in combinations)
    labels = _row_labels(grouping, {_key(grouping, row) for row in combinations})
    tables = []
    for field, title, choices in questions():
        counted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in combinations:
            counted[_key(grouping, row)][str(row[field])] += int(row["n"])
        keys = sorted(counted, key=lambda key: labels[key])
        protected = protect_answer_rows(
            [[counted[key][code] for code, _label in choices] for key in keys],
            len(choices),
            threshold,
            hidden_rows={i for i, key in enumerate(keys) if key in (thin or set())},
        )
        tables.append(
            AnswerTable(
                field,
                title,
                [(key, labels[key]) for key in keys],
                [label for _code, label in choices],
                protected,
            )
        )
    return Voices(period=chosen, answers=total, threshold=threshold, tables=tables)


def _in_period(answers: QuerySet[Answer], chosen: Period) -> QuerySet[Answer]:
    return answers.filter(month__gte=chosen.start, month__lt=chosen.end)


def answer_tables(organisation: Organisation, grouping: str, chosen: Period) -> Voices:
    """The organisation's answers in the period, one protected table per question."""
    answers = _in_period(Answer.objects.filter(organisation=organisation), chosen)
    return _tables(answers, grouping, chosen)


def network_tables(network: Network, chosen: Period) -> Voices:
    """The answers of the members that share their figures, per type of service."""
    sharing = NetworkMember.objects.filter(network=network, shares_statistics=True).values(
        "organisation"
    )
    answers = _in_period(Answer.objects.filter(organisation__in=sharing), chosen)
    organisations = answers.values("service_type").annotate(n=Count("organisation", distinct=True))
    thin = {row["service_type"] for row in organisations if row["n"] < MIN_ORGANISATIONS}
    return _tables(answers, "service_type", chosen, thin)


@dataclass
class Words:
    period: Period
    count: int
    threshold: int
    texts: list[str]


def words(request: HttpRequest, organisation: Organisation, chosen: Period) -> Words:
    """What children wrote with their answers in the period, opened for a supervisor (one
    audited read) and in no order: none is shown beside its ratings, its month or its kind
    of help, and nothing at all under the threshold."""
    answers = _in_period(Answer.objects.filter(organisation=organisation), chosen).exclude(
        sealed_words=b""
    )
    sealed = [
        (bytes(row.sealed_words), encryption.Place.of(row, "sealed_words", organisation))
        for row in answers.only("pk", "sealed_words")
    ]
    threshold = statistics.threshold()
    if len(sealed) < threshold:
        return Words(chosen, len(sealed), threshold, [])
    opened = encryption.open_many_for_member(
        request, organisation, sealed, audit_object=organisation, audit_action="feedback.words_read"
    )
    texts = [value.decode() for value in opened if value is not None]
    random.SystemRandom().shuffle(texts)
    return Words(chosen, len(sealed), threshold, texts)
