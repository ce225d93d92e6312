"""Org admins decide where reports go and which helplines children see."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.intake import actions_admin
from digiamen.intake.forms_admin import HelplineForm, RoutingRuleForm
from digiamen.intake.models import Helpline, RoutingRule

ADMINS = [Role.ORG_ADMIN]


@staff_required
def front_door(request: HttpRequest, org: str) -> HttpResponse:
    membership = get_membership(request, org, ADMINS)
    organisation = membership.organisation
    rule_form = RoutingRuleForm(request.POST if "add_rule" in request.POST else None)
    helpline_form = HelplineForm(request.POST if "add_helpline" in request.POST else None)
    if request.method == "POST":
        if "add_rule" in request.POST and rule_form.is_valid():
            actions_admin.add_routing_rule(
                organisation,
                current_user(request),
                rule_form.cleaned_data["country"],
                rule_form.cleaned_data["admin1"],
            )
            messages.success(request, _("Reports from this place now come to you."))
            return redirect("intake:front_door", org)
        if "add_helpline" in request.POST and helpline_form.is_valid():
            actions_admin.add_helpline(
                organisation, current_user(request), helpline_form.cleaned_data
            )
            messages.success(request, _("The helpline was added."))
            return redirect("intake:front_door", org)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "intake/front_door.html",
        {
            "membership": membership,
            "rules": RoutingRule.objects.filter(organisation=organisation).order_by(
                "country", "admin1"
            ),
            "helplines": Helpline.objects.filter(owner=organisation).order_by(
                "country", "order", "id"
            ),
            # Shown read-only, so that an admin sees a number is listed already.
            "others_helplines": Helpline.objects.filter(country=organisation.country)
            .exclude(owner=organisation)
            .select_related("owner"),
            "rule_form": rule_form,
            "helpline_form": helpline_form,
        },
        status=status,
    )


@staff_required
@require_POST
def delete_rule(request: HttpRequest, org: str, rule_id: int) -> HttpResponse:
    membership = get_membership(request, org, ADMINS)
    rule = get_object_or_404(RoutingRule, pk=rule_id, organisation=membership.organisation)
    actions_admin.delete_routing_rule(rule, current_user(request))
    messages.success(request, _("The rule was removed."))
    return redirect("intake:front_door", org)


def _own_helpline(membership: Membership, helpline_id: int) -> Helpline:
    """A helpline the member's organisation keeps, or 404 (another organisation's helpline
    is not theirs to change, even in the same country)."""
    return get_object_or_404(Helpline, pk=helpline_id, owner=membership.organisation)


@staff_required
def edit_helpline(request: HttpRequest, org: str, helpline_id: int) -> HttpResponse:
    membership = get_membership(request, org, ADMINS)
    helpline = _own_helpline(membership, helpline_id)
    form = HelplineForm(request.POST or None, initial=HelplineForm.initial_of(helpline))
    if request.method == "POST" and form.is_valid():
        actions_admin.change_helpline(
            helpline, membership.organisation, current_user(request), form.cleaned_data
        )
        messages.success(request, _("The helpline was changed."))
        return redirect("intake:front_door", org)
    status = 400 if request.method == "POST" else 200
    context = {"membership": membership, "helpline": helpline, "form": form}
    return render(request, "intake/helpline_form.html", context, status=status)


@staff_required
@require_POST
def delete_helpline(request: HttpRequest, org: str, helpline_id: int) -> HttpResponse:
    membership = get_membership(request, org, ADMINS)
    helpline = _own_helpline(membership, helpline_id)
    actions_admin.delete_helpline(helpline, membership.organisation, current_user(request))
    messages.success(request, _("The helpline was removed."))
    return redirect("intake:front_door", org)
