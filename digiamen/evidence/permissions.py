"""Who sees statistics: data officers, supervisors and network coordinators of the organisation.

Statistics hold no case data, only protected counts; still, each organisation's figures are
its own (404 for everyone else), and sharing with a network is a separate, opt-in step.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership
from digiamen.networks.models import Network

STATISTICS_ROLES = [Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR]


def statistics_reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, STATISTICS_ROLES)


def network_coordinator(request: HttpRequest, org: str, network: str) -> tuple[Membership, Network]:
    """A network coordinator of the network's secretariat, and the network; else 404."""
    membership = get_membership(request, org, [Role.NETWORK_COORDINATOR])
    found = Network.objects.filter(slug=network, secretariat=membership.organisation).first()
    if found is None:
        raise Http404
    return membership, found


def sharing_admin(request: HttpRequest, org: str) -> Membership:
    """Whether an organisation shares its figures with a network is its admins' decision."""
    return get_membership(request, org, [Role.ORG_ADMIN])
