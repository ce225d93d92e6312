"""Who does what: those who organise prevention and evidence work (org admins, supervisors,
data officers, network coordinators) write, publish and read a consultation's tables; the
children's few words are read by supervisors and network coordinators (one audited read),
as the survivors' feedback is. Another organisation's member gets 404."""

from __future__ import annotations

from django.http import HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership

EDITORS = [Role.ORG_ADMIN, Role.SUPERVISOR, Role.DATA_OFFICER, Role.NETWORK_COORDINATOR]
WORDS_READERS = [Role.SUPERVISOR, Role.NETWORK_COORDINATOR]


def editor(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, EDITORS)


def words_reader(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, WORDS_READERS)
