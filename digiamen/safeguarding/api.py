"""Self-assessments in the API (see digiamen/api.py), with the pages' permissions: every
member of the organisation reads; its admins start, answer, close and plan."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.accounts.models import Role, User
from digiamen.core.api_errors import ErrorOut
from digiamen.core.errors import ActionError
from digiamen.core.text import PlainText
from digiamen.safeguarding import actions
from digiamen.safeguarding.models import ActionItem, Assessment

router = Router(tags=["safeguarding"], auth=bearer)


class AnswerIn(Schema):
    question: str = Field(max_length=40)
    status: Literal["", "not_in_place", "partly", "in_place", "not_applicable"] = ""
    note: PlainText = Field(default="", max_length=actions.NOTE_MAX)
    evidence: PlainText = Field(default="", max_length=actions.EVIDENCE_MAX)


class AnswersIn(Schema):
    version: int = Field(ge=1)
    answers: list[AnswerIn] = Field(max_length=200)


class CloseIn(Schema):
    version: int = Field(ge=1)


class ActionItemIn(Schema):
    question: str = Field(max_length=40)
    description: PlainText = Field(min_length=1, max_length=actions.DESCRIPTION_MAX)
    owner: str = Field(max_length=150, description="The username of a member.")
    due_on: date


class ActionStatusIn(Schema):
    status: Literal["open", "in_progress", "done"]


def _principal(request: HttpRequest, *, admin: bool = False) -> ApiPrincipal:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None or (admin and principal.role != Role.ORG_ADMIN):
        refuse_role()
    return principal


def _assessment(principal: ApiPrincipal, assessment_id: int) -> Assessment:
    found = (
        Assessment.objects.select_related("question_set", "organisation")
        .filter(pk=assessment_id, organisation=principal.organisation)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _summary(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "started_at": assessment.started_at,
        "closed_at": assessment.closed_at,
        "questions_version": assessment.question_set.version,
        "version": assessment.version,
        "scores": actions.current_scores(assessment),
    }


def _detail(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    actions.refresh_automatic(assessment)
    answers = list(assessment.answers.all())
    items = list(assessment.action_items.select_related("owner"))
    texts = actions.opened_texts(request, assessment, answers, items)
    return {
        **_summary(assessment),
        "answers": [
            {
                "question": answer.question,
                "status": answer.status,
                "automatic": answer.automatic,
                "measured": answer.measured,
                "note": texts.notes[n],
                "evidence": texts.evidence[n],
            }
            for n, answer in enumerate(answers)
        ],
        "action_items": [
            {
                "id": item.pk,
                "question": item.question,
                "description": texts.descriptions[n],
                "owner": item.owner.username,
                "due_on": item.due_on,
                "status": item.status,
                "overdue": item.is_overdue,
            }
            for n, item in enumerate(items)
        ],
    }


@router.get("/safeguarding/assessments", response=list[dict[str, Any]])
def list_assessments(request: HttpRequest) -> Any:
    principal = _principal(request)
    found = Assessment.objects.filter(organisation=principal.organisation).select_related(
        "question_set"
    )
    return [_summary(assessment) for assessment in found]


@router.post("/safeguarding/assessments", response={201: dict[str, Any], 400: ErrorOut})
def start_assessment(request: HttpRequest) -> Any:
    principal = _principal(request, admin=True)
    try:
        assessment = actions.start(principal.organisation, principal.user)  # type: ignore[arg-type]
    except ActionError as error:
        return Status(400, {"detail": error.message})
    return Status(201, _detail(request, assessment))


@router.get("/safeguarding/assessments/{assessment_id}", response=dict[str, Any])
def get_assessment(request: HttpRequest, assessment_id: int) -> Any:
    principal = _principal(request)
    return _detail(request, _assessment(principal, assessment_id))


@router.post(
    "/safeguarding/assessments/{assessment_id}/answers",
    response={200: dict[str, Any], 400: ErrorOut},
)
def answer(request: HttpRequest, assessment_id: int, payload: AnswersIn) -> Any:
    principal = _principal(request, admin=True)
    assessment = _assessment(principal, assessment_id)
    given = [actions.AnswerInput(a.question, a.status, a.note, a.evidence) for a in payload.answers]
    try:
        actions.answer(assessment, principal.user, given, version=payload.version)  # type: ignore[arg-type]
    except ActionError as error:
        return Status(400, {"detail": error.message})
    assessment.refresh_from_db()
    return _detail(request, assessment)


@router.post(
    "/safeguarding/assessments/{assessment_id}/close",
    response={200: dict[str, Any], 400: ErrorOut},
)
def close(request: HttpRequest, assessment_id: int, payload: CloseIn) -> Any:
    principal = _principal(request, admin=True)
    assessment = _assessment(principal, assessment_id)
    try:
        closed = actions.close(assessment, principal.user, version=payload.version)  # type: ignore[arg-type]
    except ActionError as error:
        return Status(400, {"detail": error.message})
    return _summary(closed)


@router.post(
    "/safeguarding/assessments/{assessment_id}/action-items",
    response={201: dict[str, Any], 400: ErrorOut},
)
def add_action_item(request: HttpRequest, assessment_id: int, payload: ActionItemIn) -> Any:
    principal = _principal(request, admin=True)
    assessment = _assessment(principal, assessment_id)
    owner = User.objects.filter(username=payload.owner).first()
    if owner is None:
        return Status(400, {"detail": actions.SafeguardingError("not_member").message})
    try:
        item = actions.add_action_item(
            assessment,
            principal.user,  # type: ignore[arg-type]
            question=payload.question,
            description=payload.description,
            owner=owner,
            due_on=payload.due_on,
        )
    except ActionError as error:
        return Status(400, {"detail": error.message})
    return Status(201, {"id": item.pk, "status": item.status})


@router.post(
    "/safeguarding/assessments/{assessment_id}/action-items/{item_id}",
    response={200: dict[str, Any], 400: ErrorOut},
)
def set_action_status(
    request: HttpRequest, assessment_id: int, item_id: int, payload: ActionStatusIn
) -> Any:
    principal = _principal(request, admin=True)
    assessment = _assessment(principal, assessment_id)
    item = ActionItem.objects.filter(pk=item_id, assessment=assessment).first()
    if item is None:
        raise Http404
    actions.set_action_status(item, principal.user, payload.status)  # type: ignore[arg-type]
    return {"id": item.pk, "status": item.status}
