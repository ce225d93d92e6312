"""Need-to-know: who may see a case, and who may open what identifies the child.

* caseworkers and supervisors of the organisation see its cases' non-identifying fields;
* a caseworker opens the identifying fields only of cases assigned to them;
* supervisors open all of the organisation's cases;
* every other role sees no case data at all (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import FilteredRelation, Q
from django.http import Http404, HttpRequest

from digiamen.accounts import time_zones
from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import current_user, get_membership
from digiamen.cases.models import Case

CASE_ROLES = [Role.CASEWORKER, Role.SUPERVISOR]


@dataclass(frozen=True)
class CaseAccess:
    membership: Membership
    case: Case

    @property
    def is_supervisor(self) -> bool:
        return self.membership.role == Role.SUPERVISOR

    @property
    def in_charge(self) -> bool:
        """A supervisor, or the caseworker the case is assigned to, purged or not."""
        return self.is_supervisor or self.case.assigned_to_id == self.membership.user_id

    @property
    def may_open(self) -> bool:
        """May this member open the identifying fields (the story, contact, messages)?"""
        if self.case.purged_at is not None:
            return False
        return self.in_charge


def case_member(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, CASE_ROLES)


def get_case(
    request: HttpRequest,
    org: str,
    number: str,
    *,
    opening: bool = False,
    annotations: dict[str, Any] | None = None,
) -> CaseAccess:
    """``annotations``: what a page wants to know along with the case, in the same query.

    The requester's membership is read in that query too (joined on the case's
    organisation): no membership in a case role, or no such case, is the same 404."""
    user = current_user(request)
    if not user.is_active:  # as Membership.objects.active()
        raise Http404
    requester = FilteredRelation(
        "organisation__memberships",
        condition=Q(
            organisation__memberships__user=user, organisation__memberships__is_active=True
        ),
    )
    joined = Case.objects.annotate(requester=requester).filter(
        organisation__slug=org, number=number, requester__role__in=CASE_ROLES
    )
    # The stubs know no FilteredRelation: "requester" is not a field to them.
    cases = joined.select_related(  # type: ignore[misc]
        "report", "assigned_to", "organisation", "organisation__case_settings", "requester"
    )
    try:
        case: Case = (cases.annotate(**annotations) if annotations else cases).get()
    except Case.DoesNotExist:
        # A member of the organisation in another role is told which roles may open cases
        # (403, whether or not this case exists); anyone else learns nothing (404).
        get_membership(request, org, CASE_ROLES)
        raise Http404 from None
    membership: Membership = case.requester  # type: ignore[attr-defined]
    # The rows already loaded: the membership's organisation is the case's, its user the
    # requester.
    membership.organisation, membership.user = case.organisation, user
    if case.report.organisation_id == case.organisation_id:
        # The same row, already loaded: opening the report asks for its organisation.
        case.report.organisation = case.organisation
    time_zones.activate(case.organisation)
    access = CaseAccess(membership, case)
    if opening and not access.may_open:
        raise Http404
    return access
