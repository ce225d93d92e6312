"""The prevention pages: campaigns and sessions at a glance, a new campaign code, a session
held."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from digiamen.accounts.permissions import current_user, staff_required
from digiamen.awareness import actions, permissions
from digiamen.awareness.forms import CampaignForm, SessionForm
from digiamen.awareness.models import AwarenessSession, Campaign

RECENT_SESSIONS = 50


@staff_required
@require_safe
def overview(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.reader(request, org)
    organisation = membership.organisation
    sessions = AwarenessSession.objects.filter(organisation=organisation)
    totals = sessions.aggregate(children=Sum("children_reached"), adults=Sum("adults_reached"))
    report_link = request.build_absolute_uri(reverse("intake_public:report"))
    return render(
        request,
        "awareness/overview.html",
        {
            "membership": membership,
            "campaigns": Campaign.objects.filter(organisation=organisation),
            "sessions": sessions.select_related("campaign", "facilitator")[:RECENT_SESSIONS],
            "session_count": sessions.count(),
            "children_reached": totals["children"] or 0,
            "adults_reached": totals["adults"] or 0,
            "report_link": report_link,
            "may_organise": membership.role in permissions.ORGANISERS,
            "may_record": membership.role in permissions.RECORDERS,
            # The figures beside reporting are on the statistics side (evidence).
            "may_see_figures": membership.role in permissions.FIGURE_READERS,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def add_campaign(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.organiser(request, org)
    form = CampaignForm(membership.organisation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = actions.create_campaign(
            membership.organisation, current_user(request), form.cleaned_data
        )
        messages.success(
            request, _("The campaign code %(code)s is ready.") % {"code": campaign.code}
        )
        return redirect("awareness:overview", org)
    return render(
        request,
        "awareness/campaign_form.html",
        {"membership": membership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def add_session(request: HttpRequest, org: str) -> HttpResponse:
    membership = permissions.recorder(request, org)
    form = SessionForm(
        membership.organisation,
        request.POST or None,
        initial={"facilitator": membership.user_id},
    )
    if request.method == "POST" and form.is_valid():
        actions.record_session(membership.organisation, current_user(request), form.cleaned_data)
        messages.success(request, _("The session was recorded."))
        return redirect("awareness:overview", org)
    return render(
        request,
        "awareness/session_form.html",
        {"membership": membership, "form": form},
        status=400 if request.method == "POST" else 200,
    )
