"""Staff API for cases: the same rules as the pages (need-to-know, stale versions refused)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from digiamen.accounts.api import ApiPrincipal, bearer, refuse_role
from digiamen.accounts.models import Membership, User
from digiamen.cases import actions, replies
from digiamen.cases.forms import QueueFilterForm
from digiamen.cases.models import Case
from digiamen.cases.permissions import CASE_ROLES, CaseAccess
from digiamen.cases.views import PAGE_SIZE, filter_cases
from digiamen.core.api_errors import DateTimeIn, ErrorOut
from digiamen.core.text import PlainText
from digiamen.intake import actions as intake_actions

router = Router(tags=["cases"], auth=bearer)


def api_membership(request: HttpRequest) -> Membership:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.user is None or principal.role not in CASE_ROLES:
        refuse_role()
    return Membership.objects.select_related("organisation").get(
        user=principal.user, organisation=principal.organisation
    )


def api_case_access(request: HttpRequest, number: str, *, opening: bool = False) -> CaseAccess:
    membership = api_membership(request)
    case = get_object_or_404(
        Case.objects.select_related("report", "assigned_to", "organisation"),
        organisation=membership.organisation,
        number=number,
    )
    access = CaseAccess(membership, case)
    if opening and not access.may_open:
        raise Http404
    return access


class CaseSummaryOut(Schema):
    number: str
    status: str
    risk_level: str
    urgent_flags: list[str]
    created_at: datetime
    first_contact_due: datetime
    first_contacted_at: datetime | None
    overdue: bool
    assigned_to: str | None
    harm_types: list[str]
    platforms: list[str]
    country: str
    admin1: str
    age_band: str
    sex: str
    channel: str
    version: int


def summary(case: Case) -> dict[str, Any]:
    report = case.report
    return {
        "number": case.number,
        "status": case.status,
        "risk_level": case.risk_level,
        "urgent_flags": case.urgent_flags,
        "created_at": case.created_at,
        "first_contact_due": case.first_contact_due,
        "first_contacted_at": case.first_contacted_at,
        "overdue": case.is_overdue,
        "assigned_to": case.assigned_to.username if case.assigned_to else None,
        "harm_types": report.harm_types,
        "platforms": report.platforms,
        "country": report.country,
        "admin1": report.admin1,
        "age_band": report.age_band,
        "sex": report.sex,
        "channel": report.channel,
        "version": case.version,
    }


class CaseListOut(Schema):
    count: int
    page: int
    results: list[CaseSummaryOut]


class CaseFilters(Schema):
    queue: Literal["new", "mine", "high", "overdue", "urgent", "tasks", "replies", "all"] = Field(
        default="new",
        description="urgent: urgent flags or high risk; tasks: the caller's open tasks due by "
        "the end of today; replies: unread messages from the reporter (a caseworker's own "
        "cases, a supervisor's every case).",
    )
    status: str = ""
    harm: str = ""
    risk: str = ""
    admin1: str = ""
    age: str = ""
    channel: str = ""
    number: str = ""
    page: int = Field(default=1, ge=1, le=100_000)


@router.get(
    "/cases",
    response={200: CaseListOut, 422: ErrorOut},
    summary="The organisation's cases, by queue and filters (no identifying fields)",
)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    membership = api_membership(request)
    form = QueueFilterForm(filters.model_dump())
    if not form.is_valid():
        return Status(422, {"detail": _("Some values are not valid.")})
    cases = filter_cases(membership, form.cleaned_data)
    start = (filters.page - 1) * PAGE_SIZE
    page = list(cases[start : start + PAGE_SIZE])
    return {"count": cases.count(), "page": filters.page, "results": [summary(c) for c in page]}


class CaseMessageOut(Schema):
    direction: str
    created_at: datetime
    text: str
    # The reporter's messages: "signed" (with the key their receipt derives), "unsigned" (by
    # text message, or an older report) or "broken" (not written by the reporter).
    reporter_signature: Literal["signed", "unsigned", "broken"] | None = None


class CaseDetailOut(CaseSummaryOut):
    may_open: bool
    narrative: str | None = None
    involved_accounts: str | None = None
    contact: str | None = None
    messages: list[CaseMessageOut] | None = None


@router.get(
    "/cases/{number}",
    response=CaseDetailOut,
    summary="One case; its identifying fields only for the assignee and supervisors",
)
def case_detail(request: HttpRequest, number: str) -> Any:
    access = api_case_access(request, number)
    data: dict[str, Any] = {**summary(access.case), "may_open": access.may_open}
    if access.may_open:
        opened = intake_actions.open_report(request, access.case.report)
        data.update(
            {
                "narrative": opened.narrative,
                "involved_accounts": opened.involved_accounts,
                "contact": opened.contact,
                "messages": [
                    {
                        "direction": m.direction,
                        "created_at": m.created_at,
                        "text": m.text,
                        "reporter_signature": m.signed.state if m.signed else None,
                    }
                    for m in opened.messages
                ],
            }
        )
    return data


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    step: Literal[
        "triage", "assign", "take", "start", "first_contact", "close", "approve", "reopen"
    ]
    version: int = Field(ge=1, description="The case version the change was decided on.")
    risk: Literal["high", "medium", "low"] | None = None
    flags: list[str] = Field(default_factory=list, max_length=10)
    assignee: str | None = Field(default=None, max_length=150, description="A username.")
    reason: str | None = Field(default=None, max_length=32)


@router.post(
    "/cases/{number}/transitions",
    response={200: CaseSummaryOut, 400: ErrorOut, 409: ErrorOut},
    summary="Move a case through its workflow",
)
def transition(request: HttpRequest, number: str, payload: TransitionIn) -> Any:
    access = api_case_access(request, number)
    actor: User = request.user  # type: ignore[assignment]
    case, version = access.case, payload.version
    try:
        if payload.step == "triage":
            case = actions.triage(
                case, actor, version=version, risk=payload.risk or "", flags=payload.flags
            )
        elif payload.step in ("assign", "take"):
            assignee = (
                actor
                if payload.step == "take"
                else User.objects.filter(username=payload.assignee or "").first()
            )
            if assignee is None:
                raise actions.ActionError("not_a_caseworker")
            case = actions.assign(
                case,
                actor,
                version=version,
                assignee=assignee,
                keyring=getattr(request, "keyring", None),
            )
        elif payload.step == "start":
            case = actions.start(case, actor, version=version)
        elif payload.step == "first_contact":
            case = actions.record_first_contact(case, actor, version=version)
        elif payload.step == "close":
            case = actions.close(case, actor, version=version, reason=payload.reason or "")
        elif payload.step == "approve":
            case = actions.approve_closure(case, actor, version=version)
        else:
            case = actions.reopen(case, actor, version=version, request=request)
    except actions.ActionError as error:
        return Status(409 if error.code == "stale" else 400, {"detail": error.message})
    case.refresh_from_db()
    return summary(case)


class TextIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: PlainText = Field(min_length=1, max_length=10_000)


class CreatedOut(Schema):
    created_at: datetime


@router.post("/cases/{number}/notes", response={201: CreatedOut}, summary="Add an encrypted note")
def add_note(request: HttpRequest, number: str, payload: TextIn) -> Any:
    access = api_case_access(request, number, opening=True)
    note = actions.add_note(access.case, request.user, payload.text)  # type: ignore[arg-type]
    return Status(201, {"created_at": note.created_at})


class TaskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: PlainText = Field(min_length=1, max_length=300)
    due_at: DateTimeIn


@router.post("/cases/{number}/tasks", response={201: CreatedOut}, summary="Add a task")
def add_task(request: HttpRequest, number: str, payload: TaskIn) -> Any:
    access = api_case_access(request, number, opening=True)
    actor: User = request.user  # type: ignore[assignment]
    due_at = payload.due_at
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at, UTC)
    task = actions.add_task(access.case, actor, title=payload.title, due_at=due_at, assignee=actor)
    return Status(201, {"created_at": task.created_at})


class ReplyRefusedOut(ErrorOut):
    reason: Literal["purged", "closed", "no_receipt", "mailbox_not_transferred", "no_mailbox"] = (
        Field(
            description=(
                "Why no reply can reach the reporter: the case was purged or is closed, the "
                "reporter never had a receipt (an offline form), the mailbox did not come with "
                "the transfer (the reporter had not agreed to it), or the report has no mailbox."
            )
        )
    )


@router.post(
    "/cases/{number}/replies",
    response={201: CreatedOut, 409: ReplyRefusedOut},
    summary="Write to the reporter (they read it on their follow-up page)",
    description=(
        "The reply is sealed to the reporter's mailbox key. 409 when no reply can reach them; "
        "`detail` says why and names the other contact route consent allows, if any. "
        "Nothing is written then."
    ),
)
def reply(request: HttpRequest, number: str, payload: TextIn) -> Any:
    access = api_case_access(request, number)
    if not access.in_charge:
        raise Http404
    try:
        message = actions.reply_to_reporter(
            access.case,
            request.user,  # type: ignore[arg-type]
            payload.text,
        )
    except replies.ReplyRefused as refused:
        return Status(409, {"detail": refused.message, "reason": refused.route.reason})
    return Status(201, {"created_at": message.created_at})


class EscalationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    platform: str = Field(
        max_length=32, description='A platform code of the taxonomy, or "hotline".'
    )
    kind: Literal["takedown", "report"]
    reference: PlainText = Field(
        min_length=1,
        max_length=2000,
        description="The link, account name or report number (encrypted).",
    )


@router.post(
    "/cases/{number}/escalations",
    response={201: CreatedOut, 400: ErrorOut},
    summary="Send a takedown or report request to a platform or hotline",
)
def escalate(request: HttpRequest, number: str, payload: EscalationIn) -> Any:
    access = api_case_access(request, number, opening=True)
    try:
        escalation = actions.escalate(
            access.case,
            request.user,  # type: ignore[arg-type]
            platform=payload.platform,
            kind=payload.kind,
            reference=payload.reference,
        )
    except actions.ActionError as error:
        return Status(400, {"detail": error.message})
    return Status(201, {"created_at": escalation.sent_at})
