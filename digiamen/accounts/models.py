from __future__ import annotations

from datetime import datetime
from typing import Any

import pycountry
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.session_store import SessionStore


def validate_country(code: str) -> None:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(_("Unknown country code."), code="country")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    ORG_ADMIN = "org_admin", _("Organisation admin")
    DATA_OFFICER = "data_officer", _("Data officer")
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")
    PLATFORM_LIAISON = "platform_liaison", _("Platform liaison")


# The roles that work cases: they, and only they, hold the casework key (core.models).
CASEWORK_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


class Organisation(models.Model):
    """A tenant: a CSO, a helpline, a network secretariat."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country])
    languages = models.JSONField(default=list, blank=True)
    admin1_areas = models.JSONField(default=list, blank=True)
    # The IANA time zone staff pages, exports and alerts show times in; empty: the
    # country's (accounts.time_zones).
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")
    # Shown in the browser tab of a reporter's follow-up pages instead of the site name.
    discreet_title = models.CharField(max_length=60, blank=True)
    # The offline recovery key's public half; its private half exists only on paper.
    recovery_public_key = models.BinaryField(max_length=32)
    recovery_key_confirmed_at = models.DateTimeField(null=True, blank=True)
    # When every key generation and membership was signed (core/key_signing.py); from then
    # on unsigned rows are refused. Empty: a legacy organisation, signed at the next sign-in
    # of a member who holds its key.
    keys_signed_at = models.DateTimeField(null=True, blank=True)
    # A MAC, keyed from SECRET_KEY, over key generation 1 and the recovery public key
    # (core.key_signing, "The trust anchor"); empty until the organisation is signed.
    key_anchor = models.BinaryField(max_length=32, null=True, blank=True)
    # When the case data sealed to the organisation key before the casework key existed was
    # sealed to the casework key instead (``accounts.casework_keys``); empty: not yet.
    case_keys_migrated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff member. Children and reporters never have accounts."""

    # Since the last sign-in, told to the member at the next one (SignInNotice); whoever
    # tries to sign in is never told (accounts/signin.py). The locks themselves live in
    # the cache, per client.
    failed_login_count = models.PositiveIntegerField(default=0)
    sign_in_locked_at = models.DateTimeField(null=True, blank=True)
    sign_in_paused_at = models.DateTimeField(null=True, blank=True)
    # Set when an admin resets the member's two-step verification: the old key pair may be
    # in someone else's hands, so the next sign-in (which has the password) makes a new one.
    key_pair_renewal_required = models.BooleanField(default=False)


class SignInNotice(models.Model):
    """What happened to an account's sign-in while its member was away.

    Recorded when the member next signs in and shown to them then and on their account
    page: the caller of a failed sign-in is never told an account is locked, since that
    would tell them the account exists.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_notices")
    created_at = models.DateTimeField(default=timezone.now)
    failed_attempts = models.PositiveIntegerField()
    # The first time, since the previous sign-in, that one client was locked out ...
    client_locked_at = models.DateTimeField(null=True, blank=True)
    # ... and that failures from many clients left only the recovery codes to sign in with.
    account_paused_at = models.DateTimeField(null=True, blank=True)
    # Shown at a sign-in in the browser (one through the API may not reach a person).
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"sign-in notice {self.pk} for user {self.user_id}"

    def text(self) -> str:
        """The notice in the active language, times in the site's time zone."""
        parts = [
            ngettext(
                "%(count)d failed sign-in attempt on your account since your previous sign-in.",
                "%(count)d failed sign-in attempts on your account since your previous sign-in.",
                self.failed_attempts,
            )
            % {"count": self.failed_attempts}
        ]
        if self.client_locked_at is not None:
            parts.append(
                gettext(
                    "At %(time)s, sign-in to your account was locked for a while for the "
                    "connection the failures came from; other connections were not affected."
                )
                % {"time": _when(self.client_locked_at)}
            )
        if self.account_paused_at is not None:
            parts.append(
                gettext(
                    "At %(time)s, because the failures came from many places, your account was "
                    "locked from new sign-ins with password and authenticator code for a while; "
                    "a recovery code still worked."
                )
                % {"time": _when(self.account_paused_at)}
            )
        parts.append(
            gettext("If this was not you, change your password and tell your organisation's admin.")
        )
        return " ".join(str(part) for part in parts)


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {local.tzname() or ''}".strip()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Joined by invitation, not yet given the organisation key: an org admin first compares
    # the member's key fingerprint with them by another channel (actions.confirm_member_key),
    # so that a link intercepted or kept by someone else never leads to the key by itself.
    key_pending = models.BooleanField(default=False)
    # A holder of the organisation key signed (organisation, user, role, member's public
    # key) with generation ``key_signed_by_version``'s signing key when granting it: a
    # rotation grants only memberships whose signature verifies (core/key_signing.py).
    key_signature = models.BinaryField(max_length=64, default=b"", blank=True)
    key_signed_by_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # The member's saved queue filters in this organisation (cases.saved_filters): read with
    # the membership every page loads anyway, so the queue lists them without a query.
    # db_default: a membership inserted by code from before this column (a rolling upgrade)
    # still gets an empty list.
    saved_filters = models.JSONField(
        default=list, blank=True, db_default=models.Value([], models.JSONField())
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user.username} @ {self.organisation.slug} ({self.role})"


class Invitation(models.Model):
    """A one-time, expiring link to join an organisation with a role.

    An invitation made by an admin carries no key: whoever accepts it becomes a member
    whose key is pending until an org admin confirms its fingerprint. Only the operator's
    bootstrap invitation (``create_organisation``/``recover_organisation``, when no admin
    exists to confirm anyone) carries the organisation's private key, sealed to a key pair
    derived from the link's secret. Every open invitation is revoked when the organisation
    key rotates, so no link outlives a removal.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    public_key = models.BinaryField(max_length=32)
    sealed_organisation_key = models.BinaryField(default=b"", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.organisation_id} as {self.role}"

    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    """A short-lived bearer token for a staff member, bound to one organisation.

    The token's secret half is never stored: only a lookup hash, and the member's private
    key encrypted under a key derived from the secret (like the session cookie).
    """

    key_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    wrapped_user_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token {self.key_id}"

    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiKeyScope(models.TextChoices):
    REPORT_INTAKE = "report_intake", _("Report intake (partner app)")
    PLATFORM_LIAISON = "platform_liaison", _("Platform liaison")


class ApiKey(models.Model):
    """A long-lived key for a partner application, scoped to one organisation.

    It can submit (encryption needs no secret) but never open protected data.
    """

    key_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=32, choices=ApiKeyScope.choices)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API key {self.key_id} ({self.scope})"


class HashedSession(AbstractBaseSession):
    """Sessions keyed by a hash of the cookie value (see session_store.py)."""

    @classmethod
    def get_session_store_class(cls) -> Any:
        return SessionStore
