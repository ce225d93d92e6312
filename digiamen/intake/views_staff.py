"""Until case management lands: the organisation's report inbox, and operator intake."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from digiamen.accounts.models import Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.intake import actions
from digiamen.intake.flow import FlowConfig, first_step, handle_post
from digiamen.intake.forms import OPERATOR_STEPS, MessageForm
from digiamen.intake.models import Draft, Message, Report

CASE_ROLES = [Role.CASEWORKER, Role.SUPERVISOR]
PAGE_SIZE = 50


@staff_required
def inbox(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, CASE_ROLES)
    reports = (
        Report.objects.filter(organisation=membership.organisation)
        .annotate(
            unread=Count(
                "messages",
                filter=Q(
                    messages__direction=Message.Direction.FROM_REPORTER,
                    messages__read_by_staff_at__isnull=True,
                ),
            )
        )
        .order_by("-created_at")[:PAGE_SIZE]
    )
    return render(request, "intake/inbox.html", {"membership": membership, "reports": reports})


def _report_of(membership_org_id: int, public_id: str) -> Report:
    return get_object_or_404(
        Report.objects.select_related("organisation"),
        public_id=public_id,
        organisation_id=membership_org_id,
    )


@staff_required
def report_detail(request: HttpRequest, org: str, public_id: str) -> HttpResponse:
    membership = get_membership(request, org, CASE_ROLES)
    report = _report_of(membership.organisation_id, public_id)
    opened = actions.open_report(request, report)
    return render(
        request,
        "intake/report_detail.html",
        {
            "membership": membership,
            "opened": opened,
            "form": MessageForm(),
        },
    )


@staff_required
@require_POST
def reply(request: HttpRequest, org: str, public_id: str) -> HttpResponse:
    membership = get_membership(request, org, CASE_ROLES)
    report = _report_of(membership.organisation_id, public_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        opened = actions.open_report(request, report)
        return render(
            request,
            "intake/report_detail.html",
            {
                "membership": membership,
                "opened": opened,
                "form": form,
            },
            status=400,
        )
    actions.post_staff_reply(report, current_user(request), form.cleaned_data["text"])
    messages.success(
        request,
        _(
            "Your message was sent. The reporter sees it when they come "
            "back with their secret number."
        ),
    )
    return redirect("intake:report_detail", org, report.public_id)


@staff_required
@require_http_methods(["GET", "POST"])
def operator_intake(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, CASE_ROLES)
    config = FlowConfig(
        steps=OPERATOR_STEPS,
        mode=Draft.Mode.OPERATOR,
        template="intake/operator_step.html",
        organisation=membership.organisation,
        operator=current_user(request),
    )
    if request.method == "GET":
        return first_step(request, config)
    return handle_post(request, config)
