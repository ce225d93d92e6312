"""Platform accountability: how platforms answer the takedown and report requests of CSOs.

Read from the escalations recorded in cases (``cases.Escalation``): per platform and month of
sending, the number of requests, the share answered (acknowledged or decided), the share
removed, and the median and 90th-percentile hours from sending to removal. Nothing here is
about a child; still, a count below the disclosure threshold is shown as "<5" and rates and
durations are shown only when they rest on at least that many requests (a rate of one request
says nothing about a platform and a lot about one case).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from digiamen.cases.models import Escalation
from digiamen.core.taxonomy import Platform
from digiamen.evidence import statistics
from digiamen.evidence.statistics import Period


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile (the value below which ``share`` of them fall)."""
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class PlatformFigures:
    """Figures of one platform, for the whole period or for one month."""

    requests: int = 0
    answered: int = 0
    removed: int = 0
    hours_to_removal: list[float] = field(default_factory=list)

    def add(self, escalation: Escalation) -> None:
        self.requests += 1
        answered = escalation.acknowledged_at is not None or escalation.outcome in (
            Escalation.Outcome.REMOVED,
            Escalation.Outcome.REFUSED,
        )
        self.answered += int(answered)
        hours = escalation.hours_to_removal
        if hours is not None:
            self.removed += 1
            self.hours_to_removal.append(hours)

    def shown(self, threshold: int) -> dict[str, int | str | float | None]:
        """What may be shown: small counts as "<5", rates and hours only on enough requests."""
        enough = self.requests >= threshold
        hours = sorted(self.hours_to_removal)
        enough_removed = len(hours) >= threshold
        return {
            "requests": self.requests if enough or self.requests == 0 else f"<{threshold}",
            "answered_percent": round(100 * self.answered / self.requests) if enough else None,
            "removed_percent": round(100 * self.removed / self.requests) if enough else None,
            "median_hours": round(percentile(hours, 0.5), 1) if enough_removed else None,
            "p90_hours": round(percentile(hours, 0.9), 1) if enough_removed else None,
        }


@dataclass
class PlatformReport:
    period: Period
    threshold: int
    # platform code -> (label, figures of the period, figures per month "YYYY-MM")
    platforms: list[tuple[str, str, PlatformFigures, dict[str, PlatformFigures]]]

    @property
    def requests(self) -> int:
        return sum(figures.requests for _c, _l, figures, _m in self.platforms)


def platform_label(code: str) -> str:
    if code == "hotline":
        from django.utils.translation import gettext

        return gettext("Hotline")
    return str(dict(Platform.choices).get(code, code))


def platform_report(organisation_ids: Iterable[int], chosen: Period) -> PlatformReport:
    """The figures of these organisations' escalations sent in the period."""
    start = datetime.combine(chosen.start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(chosen.end, datetime.min.time(), tzinfo=UTC)
    escalations = Escalation.objects.filter(
        organisation_id__in=list(organisation_ids), sent_at__gte=start, sent_at__lt=end
    ).only("platform", "sent_at", "acknowledged_at", "resolved_at", "outcome")
    totals: dict[str, PlatformFigures] = defaultdict(PlatformFigures)
    months: dict[str, dict[str, PlatformFigures]] = defaultdict(
        lambda: defaultdict(PlatformFigures)
    )
    for escalation in escalations:
        totals[escalation.platform].add(escalation)
        month = escalation.sent_at.astimezone(UTC).strftime("%Y-%m")
        months[escalation.platform][month].add(escalation)
    order = [code for code, _label in Platform.choices] + ["hotline"]
    platforms = [
        (code, platform_label(code), totals[code], dict(sorted(months[code].items())))
        for code in sorted(totals, key=lambda code: order.index(code) if code in order else 99)
    ]
    return PlatformReport(period=chosen, threshold=statistics.threshold(), platforms=platforms)
