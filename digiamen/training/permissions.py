"""Who does what: every member takes the modules (volunteers and platform liaisons too);
org admins and supervisors write the organisation's own modules and see who is trained.
Another organisation's member gets 404."""

from __future__ import annotations

from django.http import HttpRequest

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership

AUTHORS = [Role.ORG_ADMIN, Role.SUPERVISOR]


def learner(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org)


def author(request: HttpRequest, org: str) -> Membership:
    return get_membership(request, org, AUTHORS)
