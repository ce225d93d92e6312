"""A network's benchmark: how member organisations score per area, and which questions are
most often "not in place" — input for the network's capacity-building plan.

From each member's latest closed assessment. With fewer than five organisations nothing is
shown (a distribution of three is three organisations' scores); an organisation is named
only if its admins chose so.
"""

from __future__ import annotations

from collections import Counter
from statistics import median
from typing import Any

from digiamen.networks.models import Network
from digiamen.safeguarding import questions
from digiamen.safeguarding.models import Answer, Assessment, BenchmarkChoice, Status

MINIMUM_ORGANISATIONS = 5
TOP_GAPS = 10


def network_benchmark(network: Network) -> dict[str, Any]:
    member_ids = list(network.members.values_list("organisation_id", flat=True))
    latest: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(organisation_id__in=member_ids, closed_at__isnull=False)
        .select_related("organisation", "question_set")
        .order_by("organisation_id", "-closed_at")
    ):
        latest.setdefault(assessment.organisation_id, assessment)
    enough = len(latest) >= MINIMUM_ORGANISATIONS
    result: dict[str, Any] = {
        "organisations": len(latest),
        "enough": enough,
        "minimum": MINIMUM_ORGANISATIONS,
    }
    if not enough:
        return result
    current = questions.current()
    area_names = {area["code"]: questions.localised(area["name"]) for area in current.areas}
    areas = []
    for code, name in area_names.items():
        values = sorted(
            score
            for assessment in latest.values()
            if (score := assessment.scores.get("areas", {}).get(code)) is not None
        )
        areas.append(
            {
                "name": name,
                "count": len(values),
                "lowest": values[0] if values else None,
                "median": round(median(values)) if values else None,
                "highest": values[-1] if values else None,
            }
        )
    named = set(
        BenchmarkChoice.objects.filter(organisation_id__in=latest, show_name=True).values_list(
            "organisation_id", flat=True
        )
    )
    result["areas"] = areas
    result["named"] = sorted(
        (assessment.organisation.name, assessment.scores.get("overall"))
        for organisation_id, assessment in latest.items()
        if organisation_id in named
    )
    gaps = Counter(
        Answer.objects.filter(
            assessment__in=latest.values(), status=Status.NOT_IN_PLACE
        ).values_list("question", flat=True)
    )
    texts: dict[str, str] = {}
    for assessment in latest.values():
        for question in assessment.question_set.questions:
            texts.setdefault(question["code"], questions.localised(question["text"]))
    result["gaps"] = [(texts.get(code, code), count) for code, count in gaps.most_common(TOP_GAPS)]
    return result
