"""Scores: per area and overall, from 0 to 100.

"In place" counts 2, "partly" 1, "not in place" 0; "not applicable" and unanswered questions
are left out. An area with nothing to count has no score (None), not zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from digiamen.safeguarding.models import Status

POINTS = {Status.IN_PLACE: 2, Status.PARTLY: 1, Status.NOT_IN_PLACE: 0}


def _percent(points: int, counted: int) -> int | None:
    return round(100 * points / (2 * counted)) if counted else None


def scores(questions: Iterable[dict[str, Any]], statuses: dict[str, str]) -> dict[str, Any]:
    """{"overall": int | None, "areas": {area: int | None}, "answered": n, "questions": n}."""
    points: dict[str, int] = {}
    counted: dict[str, int] = {}
    answered = total = 0
    for question in questions:
        area = question["area"]
        points.setdefault(area, 0)
        counted.setdefault(area, 0)
        total += 1
        status = statuses.get(question["code"], "")
        if status:
            answered += 1
        if status in POINTS:
            points[area] += POINTS[Status(status)]
            counted[area] += 1
    return {
        "overall": _percent(sum(points.values()), sum(counted.values())),
        "areas": {area: _percent(points[area], counted[area]) for area in points},
        "answered": answered,
        "questions": total,
    }
