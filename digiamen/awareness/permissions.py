"""Who does what: every member but a platform liaison sees the organisation's campaigns and
sessions; those who organise prevention work (org admins, supervisors, data officers) make
campaign codes; those who run sessions (caseworkers too) record them. Another
organisation's member gets 404."""

from __future__ import annotations

from django.http import HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership

READERS = [role for role in Role.values if role != Role.PLATFORM_LIAISON]
ORGANISERS = [Role.ORG_ADMIN, Role.SUPERVISOR, Role.DATA_OFFICER]
RECORDERS = [Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN, Role.DATA_OFFICER]
# Who opens the statistics pages (``evidence.permissions.STATISTICS_ROLES``, a layer above).
FIGURE_READERS = [Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR]


def reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, READERS)


def organiser(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, ORGANISERS)


def recorder(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, RECORDERS)
