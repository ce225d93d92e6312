"""Statistics in the API (see digiamen/api.py): the same protected tables as the pages.

``GET /api/v1/stats?by=harm_type,admin1&from=2026-01&to=2026-12`` answers with the table after
disclosure control: every hidden cell is the string "<5" (a small count, or one hidden so that
a small count cannot be worked out from the totals; the two are not told apart, on purpose).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, JsonValue

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.core.api_errors import ErrorOut
from digiamen.evidence import statistics, voices
from digiamen.evidence.permissions import STATISTICS_ROLES
from digiamen.evidence.statistics import StatisticsError

router = Router(tags=["statistics"], auth=bearer)


MONTH_PATTERN = r"^(?:[0-9]{4}-(?:0[1-9]|1[0-2]))?$"
DIMENSION_CHOICES: list[JsonValue] = [
    *statistics.DIMENSIONS,
    *(f"{a},{b}" for a in statistics.DIMENSIONS for b in statistics.DIMENSIONS if a != b),
]


class StatsQuery(Schema):
    by: str = Field(
        default="harm_type",
        description="One dimension, or two different ones separated by a comma.",
        json_schema_extra={"enum": DIMENSION_CHOICES},
    )
    start: str = Field(default="", alias="from", pattern=MONTH_PATTERN, description="YYYY-MM")
    end: str = Field(default="", alias="to", pattern=MONTH_PATTERN, description="YYYY-MM")


def statistics_reader(request: HttpRequest) -> ApiPrincipal:
    """The caller, a member in a statistics role (an organisation's API key is not)."""
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None or principal.role not in STATISTICS_ROLES:
        refuse_role()
    return principal


def table_json(table: statistics.StatisticsTable) -> dict[str, Any]:
    width = len(table.columns)
    height = len(table.rows)
    return {
        "dimensions": [dimension.code for dimension in table.dimensions],
        "period": {"from": table.period.months[0], "to": table.period.months[-1]},
        "threshold": table.protected.threshold,
        "rows": [{"value": code, "label": label} for code, label in table.rows],
        "columns": [{"value": code, "label": label} for code, label in table.columns],
        "cells": [[table.cell(i, j) for j in range(width)] for i in range(height)],
        "row_totals": [table.cell(i, width) for i in range(height)],
        "column_totals": [table.cell(height, j) for j in range(width)],
        "total": table.cell(height, width),
        "reports_counted": table.counted,
        "reports_without_consent": table.excluded,
    }


@router.get(
    "/stats",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="A protected count table of the organisation's reports (one or two dimensions)",
)
def stats(request: HttpRequest, query: Query[StatsQuery]) -> Any:
    principal = statistics_reader(request)
    try:
        chosen = statistics.period(query.start, query.end)
        table = statistics.count_table(
            principal.organisation, [code for code in query.by.split(",") if code], chosen
        )
    except StatisticsError as error:
        return Status(400, {"detail": error.message})
    return table_json(table)


class FeedbackQuery(Schema):
    by: str = Field(
        default="service_type",
        description="Rows by type of service, or by referred service.",
        json_schema_extra={"enum": list(voices.GROUPINGS)},
    )
    start: str = Field(default="", alias="from", pattern=MONTH_PATTERN, description="YYYY-MM")
    end: str = Field(default="", alias="to", pattern=MONTH_PATTERN, description="YYYY-MM")


def answer_table_json(table: voices.AnswerTable) -> dict[str, Any]:
    """One question's protected table (survivors' feedback, children's consultations)."""
    width = len(table.columns)
    height = len(table.rows)
    return {
        "question": table.question,
        "label": table.title,
        "rows": [{"value": code, "label": label} for code, label in table.rows],
        "columns": table.columns,
        "cells": [[table.protected.shown(i, j) for j in range(width)] for i in range(height)],
        "row_totals": [table.protected.shown(i, width) for i in range(height)],
        "column_totals": [table.protected.shown(height, j) for j in range(width)],
        "total": table.protected.shown(height, width),
    }


def voices_json(found: voices.Voices) -> dict[str, Any]:
    """Nothing but the number of answers until there are as many as the threshold."""
    return {
        "period": {"from": found.period.months[0], "to": found.period.months[-1]},
        "threshold": found.threshold,
        "answers": found.answers if found.shown else f"<{found.threshold}",
        "tables": [answer_table_json(table) for table in found.tables] if found.shown else [],
    }


@router.get(
    "/stats/feedback",
    response={200: dict[str, Any], 400: ErrorOut},
    summary="What children said of the help they got: one protected table per question",
)
def feedback(request: HttpRequest, query: Query[FeedbackQuery]) -> Any:
    principal = statistics_reader(request)
    try:
        chosen = statistics.period(query.start, query.end)
        found = voices.answer_tables(principal.organisation, query.by, chosen)
    except StatisticsError as error:
        return Status(400, {"detail": error.message})
    return voices_json(found)
