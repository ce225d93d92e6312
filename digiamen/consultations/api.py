"""Consultations in the API (see digiamen/api.py): the organisation's consultations, and
one consultation's results as protected tables (never an answer, never the words)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.consultations import actions, results
from digiamen.consultations.models import Consultation
from digiamen.consultations.permissions import EDITORS
from digiamen.core.api_errors import ErrorOut
from digiamen.evidence.api import answer_table_json

router = Router(tags=["consultations"], auth=bearer)


def _editor(request: HttpRequest) -> ApiPrincipal:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None or principal.role not in EDITORS:
        refuse_role()
    return principal


def _summary(consultation: Consultation) -> dict[str, Any]:
    return {
        "code": consultation.code,
        "titles": consultation.titles,
        "languages": consultation.languages,
        "status": consultation.status,
        "open": actions.is_open(consultation),
        "starts_on": consultation.starts_on,
        "ends_on": consultation.ends_on,
        "ages": [consultation.age_min, consultation.age_max],
        "network": consultation.network.slug if consultation.network else None,
        "questions": consultation.questions,
    }


@router.get(
    "/consultations",
    response={200: list[dict[str, Any]]},
    summary="The organisation's children's consultations and their questions",
)
def consultation_list(request: HttpRequest) -> Any:
    principal = _editor(request)
    return [
        _summary(consultation)
        for consultation in Consultation.objects.filter(
            organisation=principal.organisation
        ).select_related("network", "organisation")
    ]


class ResultsQuery(Schema):
    by: str = "age_band"


@router.get(
    "/consultations/{code}/results",
    response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut},
    summary="A consultation's answers: one protected table per question with choices, "
    "broken down by age_band, sex, admin1, locality or channel",
)
def consultation_results(request: HttpRequest, code: str, query: Query[ResultsQuery]) -> Any:
    principal = _editor(request)
    consultation = (
        Consultation.objects.filter(organisation=principal.organisation, code=code.upper())
        .select_related("network", "organisation")
        .first()
    )
    if consultation is None:
        return Status(404, {"detail": _("There is no such consultation.")})
    if query.by not in results.BREAKDOWNS:
        return Status(
            400,
            {
                "detail": _("Break down by one of: %(names)s.")
                % {"names": ", ".join(results.BREAKDOWNS)}
            },
        )
    found = results.results(consultation, query.by)
    return {
        **_summary(consultation),
        "breakdown": found.breakdown,
        "threshold": found.threshold,
        "answers": found.answers if found.shown else f"<{found.threshold}",
        "tables": [answer_table_json(table) for table in found.tables] if found.shown else [],
    }
