"""Who sees statistics: data officers, supervisors and network coordinators of the organisation.

Statistics hold no case data, only protected counts; still, each organisation's figures are
its own (404 for everyone else), and sharing with a network is a separate, opt-in step.
"""

from __future__ import annotations

from django.http import HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership

STATISTICS_ROLES = [Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR]


def statistics_reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, STATISTICS_ROLES)
