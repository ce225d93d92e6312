"""The first line of every staff view: who is asking, for which organisation, in which role."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from digiamen.accounts import time_zones
from digiamen.accounts.models import Membership, Role, User


class RoleRequired(PermissionDenied):
    """A member of the organisation whose role may not open this page: answered 403 with
    the roles that may (core.views.permission_denied), never confused with a missing page."""

    def __init__(self, membership: Membership, roles: Iterable[str]) -> None:
        super().__init__("role")
        self.role = Role(membership.role).label
        self.allowed = [Role(role).label for role in roles if role in Role.values]


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, two-factor verified, and the private key unlocked for this request."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated or getattr(request, "keyring", None) is None:
            login_url = reverse("accounts:login")
            return HttpResponseRedirect(f"{login_url}?next={quote(request.get_full_path())}")
        return view(request, *args, **kwargs)

    return wrapped


def get_membership(
    request: HttpRequest, organisation_slug: str, roles: Iterable[str] | None = None
) -> Membership:
    """The requester's active membership of this organisation, in one of ``roles``.

    404 for anyone who is not a member: another organisation's pages must not even be
    confirmed to exist. A member in another role is told, 403, which roles may open it.
    """
    membership = (
        Membership.objects.active()
        .select_related("organisation", "user")
        .filter(user=current_user(request), organisation__slug=organisation_slug)
        .first()
    )
    if membership is None:
        raise Http404
    if roles is not None and membership.role not in set(roles):
        raise RoleRequired(membership, roles)
    time_zones.activate(membership.organisation)
    return membership


def current_user(request: HttpRequest) -> User:
    """The signed-in staff member (views behind ``staff_required`` always have one)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
