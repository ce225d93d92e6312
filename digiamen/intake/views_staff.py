"""Operator intake: a caseworker takes a report from a phone call, a visit or outreach."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from digiamen.accounts.models import Role
from digiamen.accounts.permissions import current_user, get_membership, staff_required
from digiamen.intake.flow import FlowConfig, first_step, handle_post
from digiamen.intake.forms import OPERATOR_STEPS
from digiamen.intake.models import Draft

CASE_ROLES = [Role.CASEWORKER, Role.SUPERVISOR]


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
