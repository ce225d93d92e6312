"""Service outcomes: referrals made, accepted, declined and completed, per service type and
area, as evidence of service gaps (a type of service that declines or never completes).

Each referral is about one child, so the table is protected like any other. Its columns are
made a partition of the referrals made (waiting, declined, in progress, completed), whose
row total is the number made; ``disclosure.protect`` then applies unchanged, and the page
shows "accepted" as in progress plus completed only when both are shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from digiamen.accounts.models import Organisation
from digiamen.core import places
from digiamen.directory.taxonomy import ServiceType
from digiamen.evidence import statistics
from digiamen.evidence.disclosure import ProtectedTable, protect
from digiamen.evidence.statistics import Period, StatisticsError
from digiamen.referrals.actions import referral_outcomes

GROUPINGS = ("service_type", "admin1", "both")


@dataclass
class OutcomeTable:
    period: Period
    rows: list[tuple[str, str]]
    columns: list[str]
    protected: ProtectedTable

    def as_rows(self) -> list[tuple[str, list[int | str], int | str, int | str]]:
        """(label, waiting/declined/in progress/completed, accepted, made), then the totals."""
        out = []
        width = len(self.columns)
        for i, (_code, label) in enumerate([*self.rows, ("", "")]):
            cells = [self.protected.shown(i, j) for j in range(width)]
            in_progress, completed = cells[2], cells[3]
            accepted: int | str = (
                in_progress + completed
                if isinstance(in_progress, int) and isinstance(completed, int)
                else self.protected.symbol
            )
            out.append((label, cells, accepted, self.protected.shown(i, width)))
        return out


def _area_label(country: str, admin1: str) -> str:
    language = get_language() or "en"
    area = places.area(admin1) if admin1 else None
    if area is not None:
        return area.name(language)
    return places.country_name(country, language) or country


def outcome_table(organisation: Organisation, grouping: str, chosen: Period) -> OutcomeTable:
    if grouping not in GROUPINGS:
        raise StatisticsError(_("This dimension is not known."))
    start = datetime.combine(chosen.start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(chosen.end, datetime.min.time(), tzinfo=UTC)
    types = dict(ServiceType.choices)
    grouped: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for outcome in referral_outcomes(organisation=organisation, since=start, until=end):
        type_label = str(types.get(outcome.service_type, outcome.service_type))
        area_label = _area_label(outcome.country, outcome.admin1)
        if grouping == "service_type":
            key = (outcome.service_type, type_label)
        elif grouping == "admin1":
            key = (outcome.admin1 or outcome.country, area_label)
        else:
            key = (f"{outcome.service_type}:{outcome.admin1}", f"{type_label} · {area_label}")
        waiting = max(outcome.made - outcome.accepted - outcome.declined, 0)
        in_progress = max(outcome.accepted - outcome.completed, 0)
        for index, value in enumerate([waiting, outcome.declined, in_progress, outcome.completed]):
            grouped[key][index] += value
    rows = sorted(grouped, key=lambda key: key[1])
    counts = [grouped[key] for key in rows]
    columns = [_("Waiting"), _("Declined"), _("Accepted, in progress"), _("Completed")]
    threshold = statistics.threshold()
    protected = (
        protect(counts, threshold)
        if counts
        else ProtectedTable(values=[[0] * 5], threshold=threshold)
    )
    return OutcomeTable(period=chosen, rows=rows, columns=columns, protected=protected)
