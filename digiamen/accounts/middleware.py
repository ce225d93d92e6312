from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from digiamen.accounts.casework_keys import CIRCLE_ROLES
from digiamen.accounts.models import Membership
from digiamen.core import audit, writings
from digiamen.core.encryption import AccessDenied, KeyRing, load_session_key
from digiamen.core.middleware import CLEAR_SITE_DATA
from digiamen.core.models import CaseworkKeyGrant
from digiamen.core.views import render_error

TIMEOUTS = frozenset({"idle_timeout", "absolute_timeout"})


class StaffSessionMiddleware:
    """Enforce the staff session rules on every request of a logged-in member.

    * 30 idle minutes and 12 hours in all, whatever the cookie says;
    * a session must have passed two-factor verification;
    * the member's private key must unlock from the session (else the session is of no use).

    When all hold, ``request.keyring`` carries the unlocked key for this request only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.keyring = None  # type: ignore[attr-defined]
        writings.end()
        user = request.user
        reason = ""
        if user.is_authenticated:
            reason = self._end_reason(request)
            if reason:
                audit.record("session.ended", actor=user, details={"reason": reason})
                logout(request)
                if reason != "locked":
                    messages.info(request, _("Your session ended. Please sign in again."))
            else:
                request.session["seen_at"] = int(time.time())
        try:
            response = self.get_response(request)
        finally:
            writings.end()  # what this request wrote was signed with its key ring only
        if reason in TIMEOUTS:
            # A session that timed out was most likely left open on a shared machine: the
            # browser forgets what the staff pages left in its cache and storage, as on logout.
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response

    def _end_reason(self, request: HttpRequest) -> str:
        session = request.session
        now = time.time()
        if now - session.get("auth_at", 0) > settings.SESSION_ABSOLUTE_SECONDS:
            return "absolute_timeout"
        if now - session.get("seen_at", 0) > settings.SESSION_IDLE_SECONDS:
            return "idle_timeout"
        if not request.user.is_verified():  # type: ignore[union-attr]
            return "not_verified"
        private_key = load_session_key(request)
        if private_key is None:
            return "locked"
        request.keyring = KeyRing(user=request.user, private_key=private_key)  # type: ignore[attr-defined]
        writings.begin(request.keyring)  # type: ignore[attr-defined]
        return ""


class PendingKeyMiddleware:
    """A page that needs the organisation key, asked for by a member who holds none yet.

    Members who joined by invitation sign in before an admin has confirmed their key
    (actions.confirm_member_key); the views that open records then raise ``AccessDenied``.
    They get a translated page saying what they wait for, never a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessDenied):
            return None
        if not request.user.is_authenticated:
            # A reporter's report to an organisation whose keys are refused (a key chain
            # not anchored, core.key_signing): nothing was written, nothing sealed.
            message = _(
                "Reports cannot be received right now. Please try again later, or call a helpline."
            )
            if request.path.startswith("/api/"):
                answer: HttpResponse = JsonResponse({"detail": message}, status=503)
            else:
                answer = render_error(request, 503, _("Please try again later"), message)
            answer["Retry-After"] = "3600"
            return answer
        pending = request.user.is_authenticated and (
            Membership.objects.active().filter(user_id=request.user.pk, key_pending=True).exists()
        )
        if pending:
            return render_error(
                request,
                403,
                _("Waiting for an admin to confirm your key"),
                _(
                    "An admin of your organisation has not confirmed your key yet, so this "
                    "page cannot open the organisation's records. Read the fingerprint shown on "
                    "your organisation's page to an admin by phone or in person."
                ),
            )
        waiting = request.user.is_authenticated and _waiting_for_a_case_key(request.user.pk)
        if waiting:
            return render_error(
                request,
                403,
                _("Waiting for a colleague to share the case key"),
                _(
                    "Case files open only with the case key, which caseworkers and "
                    "supervisors share. A caseworker or supervisor of your organisation "
                    "shares it with you automatically when they next sign in."
                ),
            )
        return render_error(
            request,
            403,
            _("This page cannot be opened"),
            _("Your key does not open this organisation's records. Ask an admin."),
        )


def _waiting_for_a_case_key(user_id: int) -> bool:
    """A casework member without the casework key, or a supervisor without the supervision
    key, of one of their organisations: a colleague who holds it shares it at sign-in."""
    for circle, roles in CIRCLE_ROLES.items():
        held = CaseworkKeyGrant.objects.filter(
            user_id=user_id, key__organisation=OuterRef("organisation"), key__circle=circle
        )
        if (
            Membership.objects.active()
            .filter(user_id=user_id, role__in=roles)
            .exclude(Exists(held))
            .exists()
        ):
            return True
    return False
