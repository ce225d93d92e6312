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
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, F, Min, Q, Sum
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
from digiamen.evidence.statistics import Period, StatisticsError
from digiamen.intake.models import Report

GROUPINGS = ("month", "admin1")
WINDOW = timedelta(days=90)


def _start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


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


def _consenting_reports(organisation: Organisation, since: datetime, until: datetime) -> object:
    return Report.objects.filter(
        organisation=organisation,
        created_at__gte=since,
        created_at__lt=until,
        consent_statistics=True,
    )


def reach_table(organisation: Organisation, grouping: str, chosen: Period) -> ReachTable:
    if grouping not in GROUPINGS:
        raise StatisticsError(_("This dimension is not known."))
    since, until = _start(chosen.start), _start(chosen.end)
    sessions = AwarenessSession.objects.filter(
        organisation=organisation, held_on__gte=chosen.start, held_on__lt=chosen.end
    )
    reports = _consenting_reports(organisation, since, until)
    session_key: TruncMonth | F
    report_key: TruncMonth | F
    if grouping == "month":
        session_key = TruncMonth("held_on")
        report_key = TruncMonth("created_at", tzinfo=UTC)
    else:
        session_key, report_key = F("admin1"), F("admin1")
    activity: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in (
        sessions.annotate(key=session_key)
        .values("key")
        .annotate(n=Count("id"), children=Sum("children_reached"), adults=Sum("adults_reached"))
    ):
        activity[_code(row["key"])] = [row["n"], row["children"] or 0, row["adults"] or 0]
    received: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        reports.annotate(key=report_key)  # type: ignore[attr-defined]
        .values("key")
        .annotate(through=Count("id", filter=~Q(campaign="")), n=Count("id"))
    ):
        received[_code(row["key"])] = [row["through"], row["n"] - row["through"]]
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
        day = _start(first)
        around = Report.objects.filter(
            organisation=organisation,
            admin1=code,
            consent_statistics=True,
            created_at__gte=day - WINDOW,
            created_at__lt=day + WINDOW,
        ).aggregate(
            before=Count("id", filter=Q(created_at__lt=day)),
            after=Count("id", filter=Q(created_at__gte=day)),
        )
        rows.append((code, _area_label(code), first))
        counts.append([around["before"], around["after"]])
    unfinished = any(first + WINDOW > today for _code, _label, first in rows)
    return BeforeAfter(rows=rows, protected=_protected(counts, 2), unfinished=unfinished)
