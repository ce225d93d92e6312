"""Intake API: partner apps and reporters' apps submit reports and follow up.

``POST /api/v1/reports`` is open to anonymous clients (rate-limited per client) and to
partner apps with an organisation API key (``Authorization: Bearer dak_…``), whose reports
go to that organisation. Validation is the web form's, field by field.

The operation itself is declared in ``media/api.py``: it takes pictures (their hashes, or
the pictures to hash in memory), and media stands above intake. What it does with the
report is here: who may send one (``admit``), its fields (``ReportFieldsIn``), and its
validation, submission and answer (``receive``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field, StrictBool

from digiamen.accounts.api import ApiPrincipal, BearerAuth
from digiamen.accounts.models import ApiKeyScope
from digiamen.awareness import campaigns
from digiamen.core import crypto, places
from digiamen.core.api_errors import ErrorOut
from digiamen.core.clients import RateLimit, client_pseudonym
from digiamen.core.taxonomy import (
    AgeBand,
    Disability,
    HarmType,
    Locality,
    PerpetratorRelationship,
    Platform,
    ReporterType,
    Sex,
)
from digiamen.core.text import ReporterText
from digiamen.intake import actions, drafts
from digiamen.intake.advice import advice_for
from digiamen.intake.flow import reports_limit
from digiamen.intake.forms import ACCOUNTS_MAX, MESSAGE_MAX, NARRATIVE_MAX, validate_answers
from digiamen.intake.helplines import helplines_for
from digiamen.intake.receipts import format_receipt
from digiamen.intake.views import FollowupAttempt, _no_sooner_than

router = Router(tags=["intake"])


# What the web form's checks accept, written in the OpenAPI document so that a client (and
# the API fuzzing test) knows beforehand which reports are valid.
PHONE_PATTERN = r"^(?:\+[0-9]{6,15}|00[0-9]{6,15}|[1-9][0-9]{5,14}|0[1-9][0-9]{4,13})$"
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_%+-]{1,32}(?:\.[A-Za-z0-9_%+-]{1,32}){0,3}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,12}$"
)
NO_NUL_PATTERN = r"^[^\x00]*$"


def _report_rules() -> dict[str, Any]:
    """The rules between fields: a region of the chosen country, a contact value of the chosen
    kind of contact."""
    places_rule = [
        {
            "properties": {
                "country": {"const": country},
                "admin1": {"enum": ["", *(a.code for a in places.areas(country))]},
            },
            "required": ["country"],
        }
        for country in places.COUNTRY_CODES
    ]
    any_area = ["", *(a.code for c in places.COUNTRY_CODES for a in places.areas(c))]
    places_rule.append(
        {"properties": {"country": {"const": ""}, "admin1": {"enum": any_area}}},
    )
    contact_rule = [
        {
            "properties": {
                "contact_method": {"const": "receipt"},
                "contact_value": {"pattern": NO_NUL_PATTERN},
            }
        },
        {
            "properties": {
                "contact_method": {"enum": ["phone", "whatsapp"]},
                "contact_value": {"pattern": PHONE_PATTERN},
            },
            "required": ["contact_method", "contact_value"],
        },
        {
            "properties": {
                "contact_method": {"const": "email"},
                "contact_value": {"pattern": EMAIL_PATTERN},
            },
            "required": ["contact_method", "contact_value"],
        },
    ]
    return {"allOf": [{"anyOf": places_rule}, {"anyOf": contact_rule}]}


class ReportFieldsIn(Schema):
    """The report's own fields; ``media.api.ReportIn`` adds the pictures' hashes."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=lambda schema: schema.update(_report_rules())
    )

    harm_types: list[HarmType] = Field(
        min_length=1, max_length=len(HarmType.values), description="What happened (at least one)."
    )
    country: str = Field(
        default="",
        max_length=2,
        description="ISO 3166-1 alpha-2, one of the countries served (or empty).",
        json_schema_extra={"enum": ["", *places.COUNTRY_CODES]},
    )
    admin1: str = Field(
        default="",
        max_length=8,
        description=(
            "ISO 3166-2 code of the region/governorate of `country`, e.g. TN-61; alone, it "
            "names its country."
        ),
    )
    platforms: list[Platform] = Field(default_factory=list, max_length=len(Platform.values))
    reporter_type: ReporterType = ReporterType.UNKNOWN
    locality: Locality = Locality.UNKNOWN
    perpetrator_relationship: PerpetratorRelationship = PerpetratorRelationship.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    sex: Sex = Sex.UNKNOWN
    disability: Disability = Disability.UNKNOWN
    narrative: ReporterText = Field(
        default="", max_length=NARRATIVE_MAX, description="What happened, in the reporter's words."
    )
    involved_accounts: ReporterText = Field(
        default="", max_length=ACCOUNTS_MAX, description="Usernames, profile links, content links."
    )
    contact_method: Literal["receipt", "phone", "whatsapp", "email"] = "receipt"
    contact_value: str = Field(
        default="",
        max_length=254,
        description=(
            "With `phone` or `whatsapp`, a number (spaces, dashes, brackets and Arabic-Indic "
            "digits are also read); with `email`, an address; with `receipt`, not used."
        ),
    )
    consent_contact: StrictBool = False
    consent_referral: StrictBool = False
    consent_statistics: StrictBool = False
    campaign: str = Field(
        default="",
        max_length=48,
        description=(
            "The awareness campaign's code the reporter came through (a poster's link, "
            "`?c=SCHOOL-RABAT-2027`): counted for the campaign while it runs; an unknown or "
            "ended code is ignored, never refused."
        ),
    )
    submission_id: str | None = Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Idempotency key chosen by the client: the same id twice is one report.",
    )


class AdviceOut(Schema):
    title: str
    steps: list[str]


class HelplineOut(Schema):
    name: str
    phone: str
    free_of_charge: bool


class ReportOut(Schema):
    receipt: str = Field(
        description=(
            "24 digits in six groups of four (e.g. `1234 5678 9012 3456 7890 1234`). Shown "
            "once; keep it hidden. It opens the reporter's mailbox (`/followup/session`)."
        )
    )
    advice: list[AdviceOut]
    helplines: list[HelplineOut]


REPORT_CONTENT_TYPES = {"application/json", "multipart/form-data"}


def _from_another_site(request: HttpRequest) -> bool:
    """Whether a browser sent this from another website's page (apps send neither header)."""
    fetched_from = request.headers.get("Sec-Fetch-Site", "")
    if fetched_from and fetched_from not in {"same-origin", "none"}:
        return True
    origin = request.headers.get("Origin", "")
    if not origin:
        return False
    # Host names only: a proxy may drop the port from Host ($host in nginx).
    return urlsplit(origin).hostname != split_domain_port(request.get_host())[0].strip("[]")


def _partner(request: HttpRequest) -> ApiPrincipal | Literal[False] | None:
    """The partner app's key, None for an anonymous client, False for a bad key."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("dak_"):
        return False
    principal = BearerAuth().authenticate(request, token)
    if principal is None or principal.scope != ApiKeyScope.REPORT_INTAKE:
        return False
    return principal


@dataclass(frozen=True)
class Sender:
    """Who sends a report: a partner's key or an anonymous client, and its rate limit."""

    partner: ApiPrincipal | None
    subject: str
    limit: RateLimit


def admit(request: HttpRequest) -> Sender | Status[Any]:
    """The sender of a report, or the refusal to answer before its body is read."""
    partner = _partner(request)
    if partner is False:
        return Status(401, {"detail": _("This API key is not valid for submitting reports.")})
    if request.content_type not in REPORT_CONTENT_TYPES:
        return Status(
            415, {"detail": _("Send the report as JSON (application/json) or multipart form data.")}
        )
    if partner is None and _from_another_site(request):
        return Status(403, {"detail": _("Reports sent from another website are refused.")})
    if partner is None:
        subject, limit = client_pseudonym(request), reports_limit()
    else:
        subject = f"key:{partner.organisation.pk}"
        limit = RateLimit("intake-api-key", settings.INTAKE_API_KEY_REPORTS_PER_HOUR, 3600)
    if limit.exceeded(subject):
        return Status(429, {"detail": _("Too many reports. Wait an hour and try again.")})
    return Sender(partner, subject, limit)


def receive(sender: Sender, payload: ReportFieldsIn, hash_sets: list[dict[str, Any]]) -> Any:
    """Validate the report with the web form's checks, submit it with its pictures' hashes,
    and answer with the receipt, the advice and the helplines."""
    partner = sender.partner
    answers, errors = validate_answers(payload.model_dump(mode="json", exclude={"image_hashes"}))
    if errors:
        return Status(422, {"detail": _("Some values are not valid."), "errors": errors})
    answers["image_hashes"] = hash_sets
    answers["campaign"] = campaigns.running(payload.campaign)
    if payload.submission_id:
        scope = f"{partner.organisation.pk if partner else 'anonymous'}:{payload.submission_id}"
        submission_id = crypto.lookup_hash(scope.encode())
    else:
        submission_id = crypto.lookup_hash(secrets.token_bytes(16))
    try:
        submission = actions.submit_report(
            answers,
            channel="api",
            submission_id=submission_id,
            organisation=partner.organisation if partner else None,
        )
    except drafts.DraftGone:
        return Status(409, {"detail": _("This report was already received (same submission_id).")})
    sender.limit.hit(sender.subject)
    report = submission.report
    return Status(
        201,
        {
            "receipt": format_receipt(submission.receipt),
            "advice": [
                {"title": str(a.title), "steps": [str(s) for s in a.steps]}
                for a in advice_for(report.harm_types)
            ],
            "helplines": [
                {"name": h.name_in_current, "phone": h.phone, "free_of_charge": h.free_of_charge}
                for h in helplines_for(report.country)
            ],
        },
    )


# --- Follow-up ------------------------------------------------------------------------------------


class FollowupIn(Schema):
    receipt: str = Field(
        max_length=64,
        description=(
            "The 24-digit receipt (or a 16-digit one, given before December 2026), in Western "
            "or Arabic-Indic digits, with any spaces or dashes."
        ),
    )


class FollowupSessionOut(Schema):
    token: str
    expires_at: datetime


@router.post(
    "/followup/session",
    auth=None,
    response={201: FollowupSessionOut, 404: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Open the reporter's mailbox with a receipt",
    description=(
        "Wrong receipts are limited per client and per receipt prefix (each an hour, 429 "
        "beyond): failures from other callers never lock a reporter out. Right and wrong "
        "receipts are answered after the same time."
    ),
)
def followup_session(request: HttpRequest, payload: FollowupIn) -> Any:
    started = time.monotonic()
    attempt = FollowupAttempt.of(request, payload.receipt)
    if attempt.throttled():
        return Status(429, {"detail": _("Too many wrong numbers. Wait an hour and try again.")})
    found = actions.find_mailbox(attempt.receipt) if attempt.receipt else None
    _no_sooner_than(started)
    if found is None:
        attempt.failed()
        return Status(404, {"detail": _("We could not find this number.")})
    visit = actions.start_followup(*found)
    return Status(201, {"token": visit.token, "expires_at": visit.expires_at})


class FollowupAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> actions.FollowupVisit | None:
        return actions.resume_followup(token)


class MailboxMessageOut(Schema):
    direction: Literal["from_reporter", "to_reporter"]
    created_at: datetime
    text: str


class ConversationOut(Schema):
    report: dict[str, Any]
    messages: list[MailboxMessageOut]


@router.get(
    "/followup/messages",
    auth=FollowupAuth(),
    response=ConversationOut,
    summary="The reporter's report summary and conversation",
)
def followup_messages(request: HttpRequest) -> Any:
    visit: actions.FollowupVisit = request.auth  # type: ignore[attr-defined]
    conversation = actions.reporter_conversation(visit)
    return {
        "report": conversation.summary,
        "messages": [
            {"direction": m.direction, "created_at": m.created_at, "text": m.text}
            for m in conversation.messages
        ],
    }


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: ReporterText = Field(min_length=1, max_length=MESSAGE_MAX)


class MessageCreatedOut(Schema):
    created_at: datetime


@router.post(
    "/followup/messages",
    auth=FollowupAuth(),
    response={201: MessageCreatedOut, 422: ErrorOut},
    summary="The reporter writes to the organisation",
)
def followup_post_message(request: HttpRequest, payload: MessageIn) -> Any:
    visit: actions.FollowupVisit = request.auth  # type: ignore[attr-defined]
    if not payload.text.strip():
        return Status(422, {"detail": _("Write a message.")})
    message = actions.post_reporter_message(visit.report, payload.text, visit.mailbox_key)
    return Status(201, {"created_at": message.created_at})
