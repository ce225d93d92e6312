"""Referral pages: a case's referrals (suggestions, sending, the printable slip) and the
organisation's referrals queue, where a receiving service answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from digiamen.accounts.models import Membership
from digiamen.accounts.permissions import current_user, staff_required
from digiamen.cases import actions as case_actions
from digiamen.cases.models import ConsentRecord
from digiamen.cases.permissions import CaseAccess, case_member, get_case
from digiamen.core.taxonomy import AgeBand, Disability, HarmType, Sex
from digiamen.directory import places
from digiamen.directory.models import Service
from digiamen.directory.nearby import public_locations
from digiamen.directory.taxonomy import ServiceType
from digiamen.intake.actions import open_report
from digiamen.referrals import actions as referrals
from digiamen.referrals.actions import ReferralError
from digiamen.referrals.forms import AnswerForm, ReferralForm, SuggestionFilterForm
from digiamen.referrals.models import Referral


def _case_referrals(access: CaseAccess) -> list[Referral]:
    return list(
        Referral.objects.filter(case=access.case)
        .select_related("service__organisation", "to_organisation")
        .order_by("-sent_at", "-id")
    )


def _case_page(
    request: HttpRequest, access: CaseAccess, form: ReferralForm, *, status: int = 200
) -> HttpResponse:
    case = access.case
    filters = SuggestionFilterForm(request.GET or None)
    service_type = filters.cleaned_data["type"] if filters.is_valid() else ""
    if filters.is_bound and not filters.is_valid():
        status = 400
    consent = case_actions.consent_allows(case, ConsentRecord.Purpose.REFERRAL)
    try:
        suggestions = referrals.suggest_services(case, service_type=service_type)
        no_area = ""
    except ReferralError as error:
        suggestions, no_area = [], error.message
    report = case.report
    context: dict[str, Any] = {
        "membership": access.membership,
        "case": case,
        "access": access,
        "consent": consent,
        "suggestions": suggestions,
        "no_area": no_area,
        "filters": filters,
        "form": form,
        "referrals": _case_referrals(access),
        "needs": [
            ServiceType(kind).label
            for kind in referrals.needed_service_types(report.harm_types, report.disability)
        ],
        "area": places.place_name(report.admin1 or report.country),
    }
    return render(request, "referrals/case_referrals.html", context, status=status)


@staff_required
def case_referrals(request: HttpRequest, org: str, number: str) -> HttpResponse:
    access = get_case(request, org, number, opening=True)
    form = ReferralForm(request.POST or None)
    if request.method != "POST":
        return _case_page(request, access, form)
    if not form.is_valid():
        messages.error(request, _("Some values are not valid."))
        return _case_page(request, access, form, status=400)
    service = Service.objects.filter(pk=form.cleaned_data["service"]).first()
    if service is None:
        messages.error(request, _("This service is not in the directory."))
        return _case_page(request, access, form, status=400)
    try:
        referral = referrals.refer(
            request,
            access.case,
            current_user(request),
            service=service,
            reason=form.cleaned_data["reason"],
        )
    except ReferralError as error:
        messages.error(request, error.message)
        return _case_page(request, access, form, status=400)
    messages.success(request, _("The referral was recorded. Print the slip if it helps."))
    return redirect("referrals:referral_slip", org, number, referral.pk)


def _about_the_child(details: dict[str, Any]) -> list[tuple[str, str]]:
    """What the referral says about the child, as (label, text), in the page's language."""
    rows = [
        (_("Age"), AgeBand(details["age_band"]).label if details.get("age_band") else ""),
        (_("Sex"), Sex(details["sex"]).label if details.get("sex") else ""),
        (_("Area"), places.place_name(details.get("admin1") or details.get("country") or "")),
        (
            _("What happened"),
            ", ".join(str(HarmType(h).label) for h in details.get("harm_types") or []),
        ),
        (
            _("Disability"),
            Disability(details["disability"]).label if details.get("disability") else "",
        ),
    ]
    return [(str(label), str(text)) for label, text in rows]


def _contact_if_allowed(request: HttpRequest, access: CaseAccess) -> str:
    if not case_actions.consent_allows(access.case, ConsentRecord.Purpose.CONTACT):
        return ""
    return open_report(request, access.case.report).contact


@staff_required
@require_safe
def referral_slip(request: HttpRequest, org: str, number: str, referral_id: int) -> HttpResponse:
    """The printable slip for the referring organisation: only what consent allows."""
    access = get_case(request, org, number, opening=True)
    referral = get_object_or_404(
        Referral.objects.select_related("service__organisation", "to_organisation"),
        pk=referral_id,
        case=access.case,
    )
    report = access.case.report
    details = {name: getattr(report, name) for name in referrals.REFERRED_FIELDS}
    context = {
        "membership": access.membership,
        "case": access.case,
        "referral": referral,
        "service": referral.service,
        "locations": public_locations(referral.service),
        "about": _about_the_child(details),
        "reason": referrals.open_reason(request, referral, access.case),
        "contact": _contact_if_allowed(request, access),
        "answer_form": _answer_form(access.membership, referral),
    }
    return render(request, "referrals/slip.html", context)


def _answer_form(membership: Membership, referral: Referral) -> AnswerForm | None:
    if not referrals.may_answer(membership, referral):
        return None
    if Referral.Status(referral.status) not in referrals.NEXT_STATUS:
        return None
    form = AnswerForm(initial={"version": referral.version})
    allowed = referrals.NEXT_STATUS[Referral.Status(referral.status)]
    field: Any = form.fields["status"]
    field.choices = [choice for choice in field.choices if choice[0] in allowed]
    return form


@staff_required
@require_safe
def referrals_queue(request: HttpRequest, org: str) -> HttpResponse:
    membership = case_member(request, org)
    incoming = (
        Referral.objects.filter(to_organisation=membership.organisation)
        .select_related("service", "from_organisation")
        .order_by("status", "-sent_at")
    )
    outgoing = (
        Referral.objects.filter(from_organisation=membership.organisation)
        .select_related("service__organisation", "case")
        .order_by("-sent_at")
    )
    context = {"membership": membership, "incoming": incoming[:200], "outgoing": outgoing[:200]}
    return render(request, "referrals/queue.html", context)


def _received(request: HttpRequest, org: str, referral_id: int) -> tuple[Membership, Referral]:
    membership = case_member(request, org)
    referral = get_object_or_404(
        Referral.objects.select_related(
            "service__organisation", "from_organisation", "to_organisation", "case"
        ),
        pk=referral_id,
    )
    if membership.organisation_id not in (
        referral.to_organisation_id,
        referral.from_organisation_id,
    ):
        raise Http404
    return membership, referral


@staff_required
def referral_detail(request: HttpRequest, org: str, referral_id: int) -> HttpResponse:
    """The receiving organisation reads what it was sent and answers; the sender follows it."""
    membership, referral = _received(request, org, referral_id)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not referrals.may_answer(membership, referral):
            raise Http404
        if form.is_valid():
            try:
                referrals.answer_referral(
                    membership,
                    referral,
                    status=form.cleaned_data["status"],
                    version=form.cleaned_data["version"],
                )
            except ReferralError as error:
                messages.error(request, error.message)
                status = 409 if error.code == "stale" else 400
            else:
                messages.success(request, _("Your answer was recorded."))
                return redirect("referrals:referral", org, referral_id)
        else:
            messages.error(request, _("Some values are not valid."))
            status = 400
        referral.refresh_from_db()
    received = referral.to_organisation_id == membership.organisation_id
    copy = referrals.open_copy(request, referral) if received else {}
    context = {
        "membership": membership,
        "referral": referral,
        "service": referral.service,
        "locations": public_locations(referral.service),
        "received": received,
        "about": _about_the_child(copy) if copy else [],
        "reason": copy.get("reason", ""),
        "contact": copy.get("contact", ""),
        "answer_form": _answer_form(membership, referral),
    }
    return render(request, "referrals/detail.html", context, status=status)
