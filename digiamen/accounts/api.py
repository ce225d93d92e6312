"""Staff API authentication: short-lived bearer tokens, and organisation API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field

from digiamen.accounts import actions, signin
from digiamen.accounts.models import ApiKey, ApiToken, Membership, Organisation, User
from digiamen.core import audit, crypto, encryption, writings
from digiamen.core.api_errors import ErrorOut
from digiamen.core.digits import normalize_digits


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: a member through a token, or a partner application through a key."""

    organisation: Organisation
    user: User | None = None
    role: str = ""
    scope: str = ""
    token: ApiToken | None = None


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        if token.startswith("dak_"):
            return self._api_key(token[4:])
        return self._member_token(request, token)

    @staticmethod
    def _split(token: str) -> tuple[str, str] | None:
        key_id, _dot, secret = token.partition(".")
        if not key_id or not secret or len(token) > 200:
            return None
        return key_id, secret

    def _api_key(self, token: str) -> ApiPrincipal | None:
        parts = self._split(token)
        if parts is None:
            return None
        api_key = (
            ApiKey.objects.select_related("organisation")
            .filter(key_id=parts[0], revoked_at__isnull=True)
            .first()
        )
        if api_key is None or not crypto.constant_time_equal(
            api_key.secret_hash, crypto.lookup_hash(parts[1].encode())
        ):
            return None
        return ApiPrincipal(organisation=api_key.organisation, scope=api_key.scope)

    def _member_token(self, request: HttpRequest, token: str) -> ApiPrincipal | None:
        parts = self._split(token)
        if parts is None:
            return None
        api_token = (
            ApiToken.objects.select_related("user", "organisation").filter(key_id=parts[0]).first()
        )
        if (
            api_token is None
            or not api_token.is_usable()
            or not crypto.constant_time_equal(
                api_token.secret_hash, crypto.lookup_hash(parts[1].encode())
            )
        ):
            return None
        membership = (
            Membership.objects.active()
            .filter(user=api_token.user, organisation=api_token.organisation)
            .first()
        )
        if membership is None:
            return None
        try:
            private_key = encryption.unwrap_for_token(
                parts[1].encode(), bytes(api_token.wrapped_user_key)
            )
        except crypto.DecryptionError:
            return None
        request.user = api_token.user
        request.keyring = encryption.KeyRing(user=api_token.user, private_key=private_key)  # type: ignore[attr-defined]
        writings.begin(request.keyring)  # type: ignore[attr-defined]
        return ApiPrincipal(
            organisation=api_token.organisation,
            user=api_token.user,
            role=membership.role,
            token=api_token,
        )


def refuse_role() -> NoReturn:
    """The credential is valid but its role (or kind: an organisation key) may not use this
    operation. Objects of other organisations stay invisible (404); this is about the caller."""
    raise HttpError(403, _("These credentials may not be used for this."))


bearer = BearerAuth()
router = Router(tags=["auth"])


class LoginIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=1024)
    otp: str = Field(max_length=32, description="6-digit authenticator code or a recovery code")
    organisation: str | None = Field(
        default=None,
        max_length=50,
        description="Slug of the organisation to act for; needed when the user has several.",
    )


class TokenOut(Schema):
    token: str
    expires_at: datetime
    organisation: str
    role: str
    sign_in_notice: str | None = Field(
        default=None,
        description="Failed sign-in attempts and locks on the account since the previous "
        "sign-in, in the request's language; the member also sees it on their account page.",
    )


@router.post(
    "/login",
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    auth=None,
    summary="Exchange username, password and a second factor for a token",
    description=(
        "Every refusal is the same 401, whether the username is unknown, the password or "
        "code wrong, or the account locked for this client after repeated failures. While "
        "such a lock holds only a recovery code is accepted as `otp`; other clients are not "
        "locked. Too many failures from one client, whatever the usernames, answer 429."
    ),
)
def login(request: HttpRequest, payload: LoginIn) -> Any:
    if signin.client_throttled(request):
        return Status(429, {"detail": _("Too many failed attempts. Wait and try again.")})
    attempt = signin.check_password_of(request, payload.username, payload.password)
    code = normalize_digits(payload.otp).strip().replace(" ", "").replace("-", "").lower()
    # A malformed code is refused for every account alike, before any lookup.
    device = signin.match_second_factor(attempt, code) if code.isalnum() else None
    if device is None:
        signin.fail(attempt, stage="api")
        return Status(401, {"detail": _("Wrong username, password or code.")})
    user = attempt.user
    memberships = Membership.objects.active().filter(user=user).select_related("organisation")
    if payload.organisation:
        memberships = memberships.filter(organisation__slug=payload.organisation)
    chosen = list(memberships[:2])
    if len(chosen) != 1:
        return Status(400, {"detail": _('Name the organisation to act for ("organisation").')})
    membership = chosen[0]
    private_key = encryption.unlock_user_key(user, payload.password)
    issued = actions.issue_api_token(user, membership.organisation, private_key)
    if device.persistent_id.startswith("otp_static"):
        audit.record("two_factor.recovery_code_used", actor=user)
    notice = actions.record_login_success(user, channel="api")
    signin.succeeded(attempt)
    return Status(
        200,
        {
            "token": issued.bearer,
            "expires_at": issued.token.expires_at,
            "organisation": membership.organisation.slug,
            "role": membership.role,
            "sign_in_notice": notice.text() if notice is not None else None,
        },
    )


@router.post(
    "/logout",
    response={204: None, 400: ErrorOut},
    auth=bearer,
    summary="Revoke this token (a member's; an organisation key is revoked by its admin)",
)
def logout(request: HttpRequest) -> Any:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    if principal.token is None:
        raise HttpError(
            403, _("An organisation key is not revoked here: its organisation admin revokes it.")
        )
    actions.revoke_api_token(principal.token)
    return Status(204, None)


class MeOut(Schema):
    organisation: str
    username: str | None
    role: str
    scope: str


@router.get("/me", response=MeOut, auth=bearer, summary="Who this token or key belongs to")
def me(request: HttpRequest) -> Any:
    principal: ApiPrincipal = request.auth  # type: ignore[attr-defined]
    return {
        "organisation": principal.organisation.slug,
        "username": principal.user.username if principal.user else None,
        "role": principal.role,
        "scope": principal.scope,
    }


__all__ = ["ApiPrincipal", "bearer", "router"]
