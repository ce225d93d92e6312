"""Who does what: every member of the organisation reads its assessments; its admins fill
them in, close them and keep the action plan; network coordinators edit the questions and
see their network's benchmark. Everyone else gets 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership
from digiamen.safeguarding.models import Assessment


def reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org)


def admin(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, [Role.ORG_ADMIN])


def question_editor(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, [Role.NETWORK_COORDINATOR])


def assessment_of(membership: Membership, assessment_id: int) -> Assessment:
    """An assessment of the member's own organisation, or 404 (never another's)."""
    if assessment_id <= 0:
        raise Http404
    return get_object_or_404(
        Assessment.objects.select_related("question_set", "organisation"),
        pk=assessment_id,
        organisation=membership.organisation,
    )


def is_admin(membership: Membership) -> bool:
    return membership.role == Role.ORG_ADMIN
