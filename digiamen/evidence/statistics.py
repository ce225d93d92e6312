"""Count tables of an organisation's reports, by one or two dimensions, for a period.

Only reports whose consent allows statistics count (``Report.consent_statistics``, kept in
step with the case's consent records); how many were left out is part of every answer. The
counting is one GROUP BY in the database: multi-valued dimensions (harm types, platforms are
JSON lists) are unnested with the database's own JSON table function, so a report that names
two harms counts once in each of their rows, and totals are totals of mentions. Every table
leaves here already protected by ``disclosure.protect``; nothing else builds tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.core import places
from digiamen.core.months import month_label
from digiamen.core.taxonomy import (
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
from digiamen.evidence.disclosure import MINIMUM_THRESHOLD, ProtectedTable, protect

MAX_MONTHS = 120
MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")


class StatisticsError(ValueError):
    """A request that cannot be answered; ``message`` is translated."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


@dataclass(frozen=True)
class Dimension:
    code: str
    label: Promise
    column: str
    multi: bool = False
    choices: Callable[[], list[tuple[str, str]]] | None = None
    # What an empty value means here ("Not given" unless said).
    empty_label: Promise | None = None

    def labels(self, values: list[str]) -> list[tuple[str, str]]:
        """(value, label) for the table's rows or columns, in a stable order."""
        if "" in values:
            given = self.labels([value for value in values if value != ""])
            return [*given, ("", str(self.empty_label or _("Not given")))]
        if self.choices is not None:
            known = self.choices()
            found = set(values)
            ordered = [(code, label) for code, label in known if code in found]
            extra = sorted(found - {code for code, _label in known})
            return ordered + [(code, code) for code in extra]
        if self.code == "country":
            language = get_language() or "en"
            return [(code, places.country_name(code, language) or code) for code in sorted(values)]
        if self.code == "admin1":
            return [(code, _area_name(code)) for code in sorted(values)]
        if self.code == "month":
            return [(value, month_label(value)) for value in sorted(values)]
        return [(value, value) for value in sorted(values)]


def _area_name(code: str) -> str:
    area = places.area(code)
    return area.name(get_language() or "en") if area is not None else code


def _choices(enum: Any) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(str(code), str(label)) for code, label in enum.choices]


DIMENSIONS: dict[str, Dimension] = {
    dimension.code: dimension
    for dimension in [
        Dimension("harm_type", _("Harm"), "harm_types", multi=True, choices=_choices(HarmType)),
        Dimension("platform", _("Platform"), "platforms", multi=True, choices=_choices(Platform)),
        Dimension("age_band", _("Age"), "age_band", choices=_choices(AgeBand)),
        Dimension("sex", _("Sex"), "sex", choices=_choices(Sex)),
        Dimension("disability", _("Disability"), "disability", choices=_choices(Disability)),
        Dimension("country", _("Country"), "country"),
        Dimension("admin1", _("Area"), "admin1"),
        Dimension("locality", _("City or countryside"), "locality", choices=_choices(Locality)),
        Dimension(
            "reporter_type", _("Who reported"), "reporter_type", choices=_choices(ReporterType)
        ),
        Dimension("channel", _("Channel"), "channel", choices=_choices(Channel)),
        Dimension(
            "perpetrator",
            _("Who harms the child"),
            "perpetrator_relationship",
            choices=_choices(PerpetratorRelationship),
        ),
        Dimension("month", _("Month"), "created_at"),
        # The awareness campaign a report came through (its poster's link): the codes as
        # printed, so that a table reads like the posters.
        Dimension("campaign", _("Campaign"), "campaign", empty_label=_("No campaign")),
    ]
}


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day of the month after the last

    @property
    def months(self) -> list[str]:
        found, year, month = [], self.start.year, self.start.month
        while (year, month) < (self.end.year, self.end.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


def _month(text: str) -> date:
    match = MONTH.fullmatch(text)
    if match is None or not 1 <= int(match["month"]) <= 12:
        raise StatisticsError(_("A month is written YYYY-MM, for example 2026-03."))
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise StatisticsError(_("This month is out of range."))
    return date(year, int(match["month"]), 1)


def period(start: str, end: str, *, today: date | None = None) -> Period:
    """The months from ``start`` to ``end`` (YYYY-MM, both included); the last 12 by default."""
    today = today or datetime.now(UTC).date()
    last = _month(end) if end else today.replace(day=1)
    if start:
        first = _month(start)
    else:
        first = date(last.year - 1, last.month, 1)
        first = date(first.year + (first.month // 12), first.month % 12 + 1, 1)
    if first > last:
        raise StatisticsError(_("The period ends before it starts."))
    after = date(last.year + (last.month // 12), last.month % 12 + 1, 1)
    chosen = Period(first, after)
    if len(chosen.months) > MAX_MONTHS:
        raise StatisticsError(_("Choose a period of at most ten years."))
    return chosen


def dimensions(codes: list[str]) -> list[Dimension]:
    if not 1 <= len(codes) <= 2:
        raise StatisticsError(_("Choose one or two dimensions."))
    if len(set(codes)) != len(codes):
        raise StatisticsError(_("Choose two different dimensions."))
    unknown = [code for code in codes if code not in DIMENSIONS]
    if unknown:
        raise StatisticsError(_("This dimension is not known."))
    return [DIMENSIONS[code] for code in codes]


@dataclass
class StatisticsTable:
    dimensions: list[Dimension]
    period: Period
    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    protected: ProtectedTable
    counted: int  # reports counted (each once, whatever the dimensions)
    excluded: int  # reports of the period left out: no consent to statistics

    @property
    def excluded_share(self) -> float:
        total = self.counted + self.excluded
        return self.excluded / total if total else 0.0

    def cell(self, row: int, column: int) -> int | str:
        return self.protected.shown(row, column)

    def as_rows(self) -> list[tuple[str, list[int | str], int | str]]:
        """(row label, shown cells, shown row total), then the totals row labelled ''."""
        width = len(self.columns)
        out = []
        for i, (_code, label) in enumerate([*self.rows, ("", "")]):
            cells = [self.cell(i, j) for j in range(width)]
            out.append((label, cells, self.cell(i, width)))
        return out


def _grouped_column(dimension: Dimension) -> str:
    """What the inner query groups by for one dimension: the month of the report, or the
    column itself (a multi-valued dimension's whole JSON list)."""
    column = f"r.{dimension.column}"
    if dimension.code == "month":
        if connection.vendor == "postgresql":
            # The connection's time zone is UTC (Django sets it); formatted in Python.
            return f"date_trunc('month', {column})"
        return f"strftime('%%Y-%%m', {column})"
    return column


def _unnested(dimension: Dimension, grouped: str, alias: str) -> tuple[str, str]:
    """(FROM clause addition, value expression) of the outer query for one dimension: the
    elements of a multi-valued dimension's lists, in this database's SQL."""
    if not dimension.multi:
        return "", grouped
    if connection.vendor == "postgresql":
        return f" CROSS JOIN LATERAL jsonb_array_elements_text({grouped}) AS {alias}(v)", (
            f"{alias}.v"
        )
    return f", json_each({grouped}) AS {alias}", f"{alias}.value"


def _text(value: Any) -> str:
    """A grouped value as the table shows it: months as YYYY-MM."""
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return str(value)


def threshold() -> int:
    return max(MINIMUM_THRESHOLD, int(getattr(settings, "STATISTICS_THRESHOLD", 5)))


def table_query(
    organisation: Organisation, chosen_dimensions: list[Dimension], chosen: Period
) -> tuple[str, list[Any], str]:
    """(the counting SQL, its parameters, the consent-count SQL) for a table."""
    # Reports are counted per distinct value first (a few thousand groups of the lists of
    # harm types, say, instead of a row per report and harm type), then the lists are
    # unnested and the counts summed: the same table, a fraction of the work.
    grouped = [_grouped_column(dimension) for dimension in chosen_dimensions]
    if len(grouped) == 1:
        grouped.append("''")
    joins, values = "", []
    for index, dimension in enumerate(chosen_dimensions):
        join, value = _unnested(dimension, f"g.c{index}", f"d{index}")
        joins += join
        values.append(value)
    if len(values) == 1:
        values.append("g.c1")
    start = datetime.combine(chosen.start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(chosen.end, datetime.min.time(), tzinfo=UTC)
    where = "r.organisation_id = %s AND r.created_at >= %s AND r.created_at < %s"
    # Every fragment comes from the DIMENSIONS registry above, never from the request.
    inner = (
        f"SELECT {grouped[0]} AS c0, {grouped[1]} AS c1, COUNT(*) AS n "  # noqa: S608
        f"FROM intake_report r WHERE {where} AND r.consent_statistics GROUP BY 1, 2"
    )
    sql = f"SELECT {values[0]}, {values[1]}, SUM(g.n) FROM ({inner}) g{joins} GROUP BY 1, 2"  # noqa: S608
    consent_sql = (
        f"SELECT r.consent_statistics, COUNT(*) FROM intake_report r WHERE {where} "  # noqa: S608
        "GROUP BY 1"
    )
    return sql, [organisation.pk, start, end], consent_sql


def count_table(
    organisation: Organisation, codes: list[str], chosen: Period, *, every_category: bool = False
) -> StatisticsTable:
    """The protected table of the organisation's consenting reports for the period.

    With ``every_category``, a one-way table lists every category of its dimension, zeros
    included: zeros are then cheap cells to hide beside a small one (an unseen zero protects
    as well as any count), which is what monthly tables shared with a network need.
    """
    chosen_dimensions = dimensions(codes)
    sql, params, consent_sql = table_query(organisation, chosen_dimensions, chosen)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [(_text(a), _text(b), int(n)) for a, b, n in cursor.fetchall()]
        cursor.execute(consent_sql, params)
        consent = {bool(allowed): int(n) for allowed, n in cursor.fetchall()}
    row_dimension = chosen_dimensions[0]
    row_values = [a for a, _b, _n in found]
    if row_dimension.code == "month" and found:
        row_values = chosen.months
    if every_category and row_dimension.choices is not None and len(chosen_dimensions) == 1:
        row_values += [code for code, _label in row_dimension.choices()]
    rows = row_dimension.labels(list(dict.fromkeys(row_values)))
    if len(chosen_dimensions) == 2:
        column_dimension = chosen_dimensions[1]
        column_values = (
            chosen.months
            if column_dimension.code == "month" and found
            else list(dict.fromkeys(b for _a, b, _n in found))
        )
        columns = column_dimension.labels(column_values)
    else:
        columns = [("", str(_("Reports")))]
    row_index = {code: i for i, (code, _label) in enumerate(rows)}
    column_index = {code: j for j, (code, _label) in enumerate(columns)}
    counts = [[0] * len(columns) for _row in rows]
    for a, b, n in found:
        counts[row_index[a]][column_index[b if len(chosen_dimensions) == 2 else ""]] += n
    protected = (
        protect(counts, threshold())
        if rows
        else ProtectedTable(values=[[0] * (len(columns) + 1)], threshold=threshold())
    )
    return StatisticsTable(
        dimensions=chosen_dimensions,
        period=chosen,
        rows=rows,
        columns=columns,
        protected=protected,
        counted=consent.get(True, 0),
        excluded=consent.get(False, 0),
    )
