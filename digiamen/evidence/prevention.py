"""Prevention beside reporting: awareness sessions held and people reached, next to the
reports received, per month or per area; and the reports of the 90 days before and after
the first session in an area.

The Jordan workshop heard that schools and centres with protection sessions reported more
cases, "attributed not necessarily to increased harassment but to raised awareness": these
tables let an organisation show it with its own figures.

Report counts are about children, so they are protected like every other table (the two
report columns, through a campaign or not, are a partition of the reports received: their
row total is the number received, and ``disclosure.protect`` applies unchanged). Sessions and
participants are counts of the organisation's own work, shown as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.awareness.models import AwarenessSession
from digiamen.core import places
from digiamen.core.months import month_label
from digiamen.evidence import statistics
from digiamen.evidence.disclosure import ProtectedTable, protect
from digiamen.evidence.models import ReportDay
from digiamen.evidence.statistics import Period, StatisticsError

GROUPINGS = ("month", "admin1")
WINDOW = timedelta(days=90)


def _area_label(code: str) -> str:
    area = places.area(code) if code else None
    return area.name(get_language() or "en") if area is not None else (code or _("Not given"))


def _protected(counts: list[list[int]], width: int) -> ProtectedTable:
    threshold = statistics.threshold()
    if not counts:
        return ProtectedTable(values=[[0] * (width + 1)], threshold=threshold)
    return protect(counts, threshold)


@dataclass
class ReachTable:
    period: Period
    grouping: str
    rows: list[tuple[str, str]]
    # Per row: sessions held, children reached, adults reached (the organisation's work).
    activity: list[tuple[int, int, int]]
    # Per row: reports through a campaign, other reports; protected, with the totals.
    reports: ProtectedTable

    def as_rows(self) -> list[tuple[str, tuple[int, int, int], list[int | str], int | str]]:
        """(label, activity, shown report cells, shown reports received), then the totals."""
        totals = tuple(sum(column) for column in zip(*self.activity, strict=True)) or (0, 0, 0)
        out = []
        for index, (_code, label) in enumerate([*self.rows, ("", "")]):
            activity = self.activity[index] if index < len(self.rows) else totals
            cells = [self.reports.shown(index, column) for column in range(2)]
            out.append((label, activity, cells, self.reports.shown(index, 2)))
        return out


def _days(organisation: Organisation, since: date, until: date) -> QuerySet[ReportDay]:
    """The organisation's counts of consenting reports per day, from ``since`` to before
    ``until`` (kept by the database: ``evidence.report_days``)."""
    return ReportDay.objects.filter(organisation=organisation, day__gte=since, day__lt=until)


def reach_table(organisation: Organisation, grouping: str, chosen: Period) -> ReachTable:
    if grouping not in GROUPINGS:
        raise StatisticsError(_("This dimension is not known."))
    sessions = AwarenessSession.objects.filter(
        organisation=organisation, held_on__gte=chosen.start, held_on__lt=chosen.end
    )
    days = _days(organisation, chosen.start, chosen.end)
    key: TruncMonth | F = TruncMonth("held_on") if grouping == "month" else F("admin1")
    activity: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for held in (
        sessions.annotate(key=key)
        .values("key")
        .annotate(n=Count("id"), children=Sum("children_reached"), adults=Sum("adults_reached"))
    ):
        activity[_code(held["key"])] = [held["n"], held["children"] or 0, held["adults"] or 0]
    received: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    day_key: TruncMonth | F = TruncMonth("day") if grouping == "month" else F("admin1")
    for counted in (
        days.annotate(key=day_key)
        .values("key")
        .annotate(through=Sum("reports", filter=Q(through_campaign=True)), n=Sum("reports"))
    ):
        through = counted["through"] or 0
        received[_code(counted["key"])] = [through, counted["n"] - through]
    if grouping == "month":
        rows = [(month, month_label(month)) for month in chosen.months]
    else:
        codes = sorted(set(activity) | set(received))
        rows = sorted(((code, _area_label(code)) for code in codes), key=lambda row: row[1])
    return ReachTable(
        period=chosen,
        grouping=grouping,
        rows=rows,
        activity=[tuple(activity.get(code, [0, 0, 0])) for code, _label in rows],  # type: ignore[misc]
        reports=_protected([received.get(code, [0, 0]) for code, _label in rows], 2),
    )


def _code(key: object) -> str:
    """A group's key as a row code: YYYY-MM for a month, the area's code otherwise."""
    if isinstance(key, datetime | date):
        return f"{key.year:04d}-{key.month:02d}"
    return str(key or "")


@dataclass
class BeforeAfter:
    """Per area with a session in the period: the first session's day, and the reports of
    the 90 days before it and of the 90 days from it (protected)."""

    rows: list[tuple[str, str, date]]
    protected: ProtectedTable
    # Some "after" window has not ended yet: its count is still growing.
    unfinished: bool

    def as_rows(self) -> list[tuple[str, date | None, list[int | str]]]:
        out = []
        for index, (_code, label, day) in enumerate([*self.rows, ("", "", None)]):
            cells = [self.protected.shown(index, column) for column in range(2)]
            out.append((label, day, cells))
        return out


def before_and_after(organisation: Organisation, chosen: Period) -> BeforeAfter:
    firsts = (
        AwarenessSession.objects.filter(
            organisation=organisation, held_on__gte=chosen.start, held_on__lt=chosen.end
        )
        .values("admin1")
        .annotate(first=Min("held_on"))
    )
    found = {row["admin1"]: row["first"] for row in firsts}
    rows, counts = [], []
    today = timezone.localdate()
    for code, first in sorted(found.items(), key=lambda item: _area_label(item[0])):
        around = (
            _days(organisation, first - WINDOW, first + WINDOW)
            .filter(admin1=code)
            .aggregate(
                before=Sum("reports", filter=Q(day__lt=first)),
                after=Sum("reports", filter=Q(day__gte=first)),
            )
        )
        rows.append((code, _area_label(code), first))
        counts.append([around["before"] or 0, around["after"] or 0])
    unfinished = any(first + WINDOW > today for _code, _label, first in rows)
    return BeforeAfter(rows=rows, protected=_protected(counts, 2), unfinished=unfinished)
