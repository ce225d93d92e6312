"""Referrals in the API (see digiamen/api.py): the same rules as the pages.

A case's referrals and suggestions are for the organisation's case members; sending a referral
needs the right to open the case (it seals what consent allows); answers come from the
receiving organisation, or from the sender for a service that is not on the platform.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from digiamen.accounts.api import bearer
from digiamen.cases.api import api_case_access, api_membership
from digiamen.core.api_errors import ErrorOut
from digiamen.directory.models import Service
from digiamen.directory.validation import text_problem
from digiamen.referrals import actions as referrals
from digiamen.referrals.actions import ReferralError
from digiamen.referrals.models import Referral

router = Router(tags=["referrals"], auth=bearer)


class ReferralOut(Schema):
    id: int
    case: str | None
    service_id: uuid.UUID
    service_name: str
    service_type: str
    on_platform: bool
    country: str
    admin1: str
    status: str
    sent_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    completed_at: datetime | None
    version: int


def _out(referral: Referral, *, with_case: bool) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "case": referral.case.number if with_case else None,
        "service_id": referral.service_id,
        "service_name": referral.service.name,
        "service_type": referral.service_type,
        "on_platform": referral.to_organisation_id is not None,
        "country": referral.country,
        "admin1": referral.admin1,
        "status": referral.status,
        "sent_at": referral.sent_at,
        "accepted_at": referral.accepted_at,
        "declined_at": referral.declined_at,
        "completed_at": referral.completed_at,
        "version": referral.version,
    }


class SuggestionOut(Schema):
    service_id: uuid.UUID
    name: str
    service_type: str
    organisation: str
    in_area: bool
    meets_need: bool
    already_referred: bool
    on_platform: bool


@router.get(
    "/cases/{number}/referrals",
    response=list[ReferralOut],
    summary="A case's referrals to services",
)
def case_referrals(request: HttpRequest, number: str) -> Any:
    access = api_case_access(request, number)
    found = Referral.objects.filter(case=access.case).select_related("service", "case")
    return [_out(referral, with_case=True) for referral in found.order_by("-sent_at", "-id")]


@router.get(
    "/cases/{number}/referral-suggestions",
    response={200: list[SuggestionOut], 400: ErrorOut},
    summary="Active services for the child's area and needs, best first",
)
def suggestions(request: HttpRequest, number: str, service_type: str = "") -> Any:
    access = api_case_access(request, number)
    try:
        found = referrals.suggest_services(access.case, service_type=service_type[:40])
    except ReferralError as error:
        return Status(400, {"detail": error.message})
    return [
        {
            "service_id": s.service.pk,
            "name": s.service.name,
            "service_type": s.service.service_type,
            "organisation": s.service.organisation.name,
            "in_area": s.in_area,
            "meets_need": s.meets_need,
            "already_referred": s.already_referred,
            "on_platform": s.service.organisation.owner_id is not None,
        }
        for s in found
    ]


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=referrals.REASON_MAX_LENGTH)


@router.post(
    "/cases/{number}/referrals",
    response={201: ReferralOut, 400: ErrorOut, 404: ErrorOut},
    summary="Refer the child to a service (refused without consent to referral)",
)
def refer(request: HttpRequest, number: str, payload: ReferralIn) -> Any:
    access = api_case_access(request, number, opening=True)
    problem = text_problem(payload.reason)
    if problem:
        return Status(400, {"detail": problem})
    service = Service.objects.filter(pk=payload.service_id).first()
    if service is None:
        return Status(404, {"detail": _("This service is not in the directory.")})
    try:
        referral = referrals.refer(
            request,
            access.case,
            access.membership.user,
            service=service,
            reason=payload.reason.strip(),
        )
    except ReferralError as error:
        return Status(400, {"detail": error.message})
    return Status(201, _out(referral, with_case=True))


class ReferralFilters(Schema):
    direction: Literal["in", "out"] = "in"
    status: Literal["", "sent", "accepted", "declined", "completed"] = ""


@router.get(
    "/referrals",
    response=list[ReferralOut],
    summary="Referrals received by the organisation (in) or sent by it (out)",
)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> Any:
    membership = api_membership(request)
    if filters.direction == "in":
        found = Referral.objects.filter(to_organisation=membership.organisation)
    else:
        found = Referral.objects.filter(from_organisation=membership.organisation)
    if filters.status:
        found = found.filter(status=filters.status)
    found = found.select_related("service", "case").order_by("-sent_at", "-id")[:200]
    # The receiving organisation does not learn the sender's case number.
    return [_out(referral, with_case=filters.direction == "out") for referral in found]


class ReferralAnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: Literal["accepted", "declined", "completed"]
    version: int = Field(ge=1)


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ReferralOut, 400: ErrorOut, 409: ErrorOut},
    summary="Answer a referral: accepted or declined, then completed",
)
def answer(request: HttpRequest, referral_id: int, payload: ReferralAnswerIn) -> Any:
    membership = api_membership(request)
    referral = get_object_or_404(Referral.objects.select_related("service", "case"), pk=referral_id)
    if membership.organisation_id not in (
        referral.to_organisation_id,
        referral.from_organisation_id,
    ):
        raise Http404
    try:
        answered = referrals.answer_referral(
            membership, referral, status=payload.status, version=payload.version
        )
    except ReferralError as error:
        return Status(409 if error.code == "stale" else 400, {"detail": error.message})
    sender = membership.organisation_id == answered.from_organisation_id
    return _out(answered, with_case=sender)
