"""State changes for organisations, members, invitations and credentials.

Each action is atomic and writes its audit event in the same transaction.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.public import PrivateKey

from digiamen.accounts import casework_keys, signed_keys, time_zones
from digiamen.accounts.models import (
    CASEWORK_ROLES,
    ApiKey,
    ApiKeyScope,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Role,
    SignInNotice,
    User,
)
from digiamen.core import audit, crypto, encryption, key_signing, signals, writings
from digiamen.core.errors import ActionError as BaseActionError
from digiamen.core.models import CaseworkKeyGrant, KeyCircle, OrganisationKeyGrant

ERROR_MESSAGES = {
    "recovery_key_mismatch": _("This is not the recovery key of this organisation."),
    "recovery_checksum_mismatch": _(
        "This is not the check group printed beside this organisation's recovery key."
    ),
    "cannot_remove_self": _("You cannot remove yourself. Ask another admin."),
    "unknown_role": _("Unknown role."),
    "unknown_scope": _("Unknown scope."),
    "invitation_unusable": _(
        "This invitation link cannot be used: it has expired, was used already or was withdrawn."
    ),
    "username_taken": _("This username is taken. Choose another one."),
    "already_member": _("You are already a member of this organisation."),
    "key_not_pending": _("This member's key was confirmed already."),
    "fingerprint_changed": _(
        "This member's key fingerprint is not the one you were shown. Reload the page and "
        "compare the fingerprint with them again."
    ),
}


class ActionError(BaseActionError):
    messages = ERROR_MESSAGES


# --- Organisations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedOrganisation:
    organisation: Organisation
    recovery_key: str  # shown once, printed, kept offline
    private_key: PrivateKey
    recovery_checksum: str  # printed beside the key; typed back to confirm the paper


def create_organisation(
    *,
    slug: str,
    name: str,
    country: str,
    languages: list[str] | None = None,
    admin1_areas: list[str] | None = None,
) -> CreatedOrganisation:
    seed = encryption.new_recovery_seed()
    with transaction.atomic():
        organisation = Organisation(
            slug=slug,
            name=name,
            country=country.upper(),
            languages=languages or [],
            admin1_areas=admin1_areas or [],
            recovery_public_key=encryption.recovery_public_key(seed),
            # A new organisation has no case data sealed the old way.
            case_keys_migrated_at=timezone.now(),
        )
        organisation.full_clean()
        organisation.save()
        private_key = encryption.initialise_organisation_keys(organisation, seed)
        audit.record("organisation.created", organisation=organisation, obj=organisation)
    return CreatedOrganisation(
        organisation,
        crypto.format_recovery_key(seed),
        private_key,
        encryption.recovery_checksum(organisation),
    )


def confirm_recovery_key(organisation: Organisation, actor: User, checksum_text: str) -> None:
    """An org admin proves the printed recovery key is kept by reading back its check group.

    The key itself never travels to the server: a key typed into a web page could be kept
    by the server, a proxy or the browser.
    """
    expected = encryption.recovery_checksum(organisation)
    if not crypto.constant_time_equal(crypto.normalise_checksum(checksum_text), expected):
        raise ActionError("recovery_checksum_mismatch")
    with transaction.atomic():
        organisation.recovery_key_confirmed_at = timezone.now()
        organisation.save(update_fields=["recovery_key_confirmed_at"])
        audit.record("organisation.recovery_key_confirmed", actor=actor, organisation=organisation)


@dataclass(frozen=True)
class NewRecoveryKey:
    recovery_key: str  # shown once
    checksum: str


def rotate_recovery_key(
    organisation: Organisation,
    *,
    actor: User | None,
    organisation_private_key: PrivateKey | None = None,
    old_recovery_key: str = "",
) -> NewRecoveryKey:
    """A new recovery key pair; every key generation is sealed to it, the old seals are gone.

    Needs the organisation's current private key (an org admin's session) or the old
    recovery key. The old paper opens nothing in the database afterwards.
    """
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation_private_key is None:
            try:
                organisation_private_key = encryption.recover_organisation_key(
                    organisation, old_recovery_key
                )
            except crypto.DecryptionError as error:
                raise ActionError("recovery_key_mismatch") from error
        seed = encryption.new_recovery_seed()
        new_public_key = encryption.recovery_public_key(seed)
        generations = encryption.reseal_to_recovery_key(
            organisation, organisation_private_key, new_public_key
        )
        if old_recovery_key:
            # The old paper opens the casework key too. From a session (an org admin holds
            # no casework key) the next holder to sign in seals it to the new key instead.
            for circle in KeyCircle.values:
                encryption.reseal_casework_to_recovery_key(
                    organisation,
                    encryption.recover_casework_keys(organisation, old_recovery_key, circle),
                    new_public_key,
                    circle,
                )
        organisation.recovery_public_key = new_public_key
        # The new paper has not been confirmed yet.
        organisation.recovery_key_confirmed_at = None
        organisation.save(update_fields=["recovery_public_key", "recovery_key_confirmed_at"])
        key_signing.anchor_organisation(organisation)
        audit.record(
            "organisation.recovery_key_rotated",
            actor=actor,
            organisation=organisation,
            details={
                "generations": generations,
                "with": "session" if old_recovery_key == "" else "recovery_key",
            },
        )
    return NewRecoveryKey(
        crypto.format_recovery_key(seed), crypto.recovery_checksum(new_public_key)
    )


def import_recovery_invitation(
    organisation: Organisation,
    *,
    organisation_public_key: bytes,
    token_hash: str,
    invitation_public_key: bytes,
    sealed_organisation_key: bytes,
) -> Invitation:
    """An admin invitation made on an offline machine from the recovery key (recovery.py)."""
    if bytes(encryption.current_organisation_key(organisation).public_key) != bytes(
        organisation_public_key
    ):
        # The key was rotated since the export: the invitation would carry an old generation.
        raise ActionError("recovery_key_mismatch")
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            role=Role.ORG_ADMIN,
            token_hash=token_hash,
            public_key=invitation_public_key,
            sealed_organisation_key=sealed_organisation_key,
            created_by=None,
            expires_at=timezone.now() + timedelta(hours=settings.INVITATION_HOURS),
        )
        audit.record("organisation.recovery_key_used", organisation=organisation)
        audit.record(
            "invitation.created",
            organisation=organisation,
            obj=invitation,
            details={"role": Role.ORG_ADMIN, "offline": True},
        )
    return invitation


def update_settings(
    organisation: Organisation, actor: User, *, discreet_title: str, time_zone: str | None = None
) -> None:
    """``time_zone``: an IANA name (None: unchanged); the country's zone is stored as empty,
    so that it follows the country."""
    if time_zone is not None and not time_zones.is_valid(time_zone):
        raise ValueError(time_zone)
    with transaction.atomic():
        organisation.discreet_title = discreet_title
        fields = ["discreet_title"]
        if time_zone is not None:
            default = time_zones.default_for(organisation.country)
            organisation.time_zone = "" if time_zone == default else time_zone
            fields.append("time_zone")
        organisation.save(update_fields=fields)
        audit.record(
            "organisation.settings_changed",
            actor=actor,
            organisation=organisation,
            details={"time_zone": time_zones.zone_name(organisation)},
        )


# --- Users and members -------------------------------------------------------------------------


def create_user(username: str, password: str) -> tuple[User, PrivateKey]:
    """A staff account with its key pair wrapped by the password."""
    with transaction.atomic():
        user = User(username=username)
        user.set_password(password)
        user.save()
        private_key = encryption.create_user_key_pair(user, password)
    return user, private_key


def add_member(
    organisation: Organisation,
    organisation_private_key: PrivateKey,
    user: User,
    role: str,
    *,
    actor: User | None = None,
    keyring: encryption.KeyRing | None = None,
) -> Membership:
    """``keyring``: the adder's unlocked keys; a casework member is granted the casework key
    at once when they hold it, else waits for a holder (``casework_keys``)."""
    with transaction.atomic():
        membership, _created = Membership.objects.update_or_create(
            user=user,
            organisation=organisation,
            defaults={
                "role": role,
                "is_active": True,
                "deactivated_at": None,
                "key_pending": False,
            },
        )
        encryption.grant_organisation_key(organisation, organisation_private_key, user)
        signed_keys.sign_membership(membership, organisation_private_key)
        casework_keys.on_member_added(
            membership, organisation_private_key, actor=actor, keyring=keyring
        )
        audit.record(
            "membership.added",
            actor=actor,
            organisation=organisation,
            obj=membership,
            details={"role": role, "member": user.username},
        )
    return membership


def change_role(
    membership: Membership,
    role: str,
    *,
    actor: User,
    actor_keyring: encryption.KeyRing | None = None,
) -> None:
    """A new role; the member's grant signature (which covers the role) is made again with
    the admin's key, else the member gets no new generation at the next rotation."""
    if role not in Role.values:
        raise ActionError("unknown_role")
    with transaction.atomic():
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        if actor_keyring is not None and not membership.key_pending:
            organisation_private_key = actor_keyring.organisation_private_key(
                membership.organisation
            )
            signed_keys.sign_membership(membership, organisation_private_key)
            if role in CASEWORK_ROLES:
                casework_keys.on_member_added(
                    membership, organisation_private_key, actor=actor, keyring=actor_keyring
                )
            else:
                casework_keys.on_member_left(
                    membership.organisation,
                    membership.user,
                    organisation_private_key,
                    actor=actor,
                )
        elif role not in CASEWORK_ROLES:
            # Without the admin's key no new generation can be signed; the grants go at least.
            CaseworkKeyGrant.objects.filter(
                key__organisation=membership.organisation, user=membership.user
            ).delete()
        elif role != Role.SUPERVISOR:
            CaseworkKeyGrant.objects.filter(
                key__organisation=membership.organisation,
                key__circle=KeyCircle.SUPERVISION,
                user=membership.user,
            ).delete()
        audit.record(
            "membership.role_changed",
            actor=actor,
            organisation=membership.organisation,
            obj=membership,
            details={"from": previous, "to": role},
        )


def deactivate_member(
    membership: Membership, *, actor: User, actor_keyring: encryption.KeyRing
) -> int:
    """Remove a member and rotate the organisation key so they open nothing sealed later.

    Returns how many open invitations were revoked with the rotation.
    """
    organisation = membership.organisation
    if membership.user_id == actor.pk:
        raise ActionError("cannot_remove_self")
    with transaction.atomic():
        current_private_key = actor_keyring.organisation_private_key(organisation)
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        writings.retire(organisation, membership.user)
        ApiToken.objects.filter(user=membership.user, organisation=organisation).update(
            revoked_at=timezone.now()
        )
        audit.record(
            "membership.deactivated",
            actor=actor,
            organisation=organisation,
            obj=membership,
            details={"member": membership.user.username},
        )
        return rotate_organisation_key(
            organisation, current_private_key, actor=actor, departing=membership.user
        )


def rotate_organisation_key(
    organisation: Organisation,
    current_private_key: PrivateKey,
    *,
    actor: User | None,
    departing: User | None = None,
) -> int:
    """A new key generation for the confirmed active members; every open invitation revoked.

    Invitations are never handed the new generation: a link made (and perhaps kept) by a
    member removed now must not lead to it. Returns how many invitations were revoked, so
    the admin can be told to send new ones. Members whose key is still pending get nothing
    here; their admin confirms them later with the new generation. Nor do members whose
    grant is not signed by a holder of the key (``signed_keys.members_to_grant``).
    """
    with transaction.atomic():
        remaining = signed_keys.members_to_grant(organisation)
        new_key, new_private_key = encryption.rotate_organisation_key(
            organisation, current_private_key, remaining
        )
        if departing is not None:
            # The casework key too, if they held it: signed with the new generation.
            casework_keys.on_member_left(organisation, departing, new_private_key, actor=actor)
        revoked = 0
        for invitation in Invitation.objects.select_for_update().filter(
            organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            _revoke(invitation, actor=actor, reason="key_rotated")
            revoked += 1
        audit.record(
            "organisation.key_rotated",
            actor=actor,
            organisation=organisation,
            details={"version": new_key.version, "invitations_revoked": revoked},
        )
    return revoked


def confirm_member_key(
    membership: Membership,
    *,
    fingerprint: str,
    actor: User,
    actor_keyring: encryption.KeyRing,
) -> None:
    """An org admin who compared the member's key fingerprint grants them the organisation key.

    ``fingerprint`` is the one the admin was shown: if the member's key changed since (a
    row replaced in the database), nothing is granted.
    """
    organisation = membership.organisation
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if not membership.key_pending or not membership.is_active:
            raise ActionError("key_not_pending")
        shown = encryption.user_key_fingerprint(membership.user)
        if not crypto.constant_time_equal(shown, fingerprint.strip()):
            raise ActionError("fingerprint_changed")
        organisation_private_key = actor_keyring.organisation_private_key(organisation)
        encryption.grant_organisation_key(organisation, organisation_private_key, membership.user)
        membership.key_pending = False
        membership.save(update_fields=["key_pending"])
        signed_keys.sign_membership(membership, organisation_private_key)
        casework_keys.on_member_added(
            membership, organisation_private_key, actor=actor, keyring=actor_keyring
        )
        audit.record(
            "membership.key_confirmed",
            actor=actor,
            organisation=organisation,
            obj=membership,
            details={"member": membership.user.username},
        )


# --- Invitations -------------------------------------------------------------------------------


def _invitation_private_key(token: str, public_key: bytes = b"") -> PrivateKey:
    """The invitation's key pair, from its token. Given the public key an invitation was
    made with, the key the first derivation made from the same token when that is it."""
    current, legacy = (
        crypto.private_key_from_seed(seed)
        for seed in crypto.derived_key_versions(token.encode(), purpose=b"invitation")
    )
    if public_key and bytes(legacy.public_key) == public_key:
        return legacy
    return current


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # goes into the link; never stored


def invite(
    organisation: Organisation,
    role: str,
    *,
    actor: User | None,
    bootstrap_key: PrivateKey | None = None,
) -> IssuedInvitation:
    """An invitation link; it carries no key unless ``bootstrap_key`` is given.

    ``bootstrap_key`` is for the operator's commands only (a new organisation, or one
    recovered with its offline key), when no admin exists who could confirm the newcomer's
    key: the organisation key is then sealed to the link until it is used, withdrawn or
    the key rotates.
    """
    if role not in Role.values:
        raise ActionError("unknown_role")
    token = crypto.random_token()
    invitation_key = _invitation_private_key(token)
    sealed = b""
    if bootstrap_key is not None:
        sealed = crypto.seal(bytes(invitation_key.public_key), bytes(bootstrap_key))
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            role=role,
            token_hash=crypto.lookup_hash(token.encode()),
            public_key=bytes(invitation_key.public_key),
            sealed_organisation_key=sealed,
            created_by=actor,
            expires_at=timezone.now() + timedelta(hours=settings.INVITATION_HOURS),
        )
        audit.record(
            "invitation.created",
            actor=actor,
            organisation=organisation,
            obj=invitation,
            details={"role": role, "carries_key": bootstrap_key is not None},
        )
    return IssuedInvitation(invitation, token)


def find_invitation(token: str) -> Invitation | None:
    """The usable invitation behind a link, or None (unknown, used, revoked or expired)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=crypto.lookup_hash(token.encode()))
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def accept_invitation(
    token: str, *, user: User | None, username: str = "", password: str = ""
) -> tuple[User, PrivateKey | None]:
    """Join with an existing account (``user``) or create one (``username``/``password``).

    Returns the member and, for a new account, its unlocked private key.
    """
    with transaction.atomic():
        invitation = find_invitation(token)
        if invitation is None:
            raise ActionError("invitation_unusable")
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable():
            raise ActionError("invitation_unusable")
        new_private_key = None
        if user is None:
            if User.objects.filter(username__iexact=username).exists():
                raise ActionError("username_taken")
            user, new_private_key = create_user(username, password)
        organisation = invitation.organisation
        if Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists():
            raise ActionError("already_member")
        sealed = bytes(invitation.sealed_organisation_key)
        if sealed:
            # The operator's bootstrap invitation: no admin exists yet to confirm anyone.
            organisation_private_key = crypto.private_key_from_bytes(
                crypto.unseal(_invitation_private_key(token, bytes(invitation.public_key)), sealed)
            )
            add_member(organisation, organisation_private_key, user, invitation.role, actor=user)
        else:
            _add_pending_member(organisation, user, invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.sealed_organisation_key = b""
        invitation.save(update_fields=["accepted_at", "accepted_by", "sealed_organisation_key"])
        audit.record("invitation.accepted", actor=user, organisation=organisation, obj=invitation)
    return user, new_private_key


def _add_pending_member(organisation: Organisation, user: User, role: str) -> Membership:
    """A member who can sign in but holds no organisation key until an admin confirms it."""
    membership, _created = Membership.objects.update_or_create(
        user=user,
        organisation=organisation,
        defaults={
            "role": role,
            "is_active": True,
            "deactivated_at": None,
            "key_pending": True,
            # A former member joining again is signed afresh when an admin confirms them.
            "key_signature": b"",
            "key_signed_by_version": None,
        },
    )
    audit.record(
        "membership.added",
        actor=user,
        organisation=organisation,
        obj=membership,
        details={"role": role, "member": user.username, "key_pending": True},
    )
    return membership


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    with transaction.atomic():
        _revoke(invitation, actor=actor, reason="withdrawn")


def _revoke(invitation: Invitation, *, actor: User | None, reason: str) -> None:
    invitation.revoked_at = timezone.now()
    invitation.sealed_organisation_key = b""
    invitation.save(update_fields=["revoked_at", "sealed_organisation_key"])
    audit.record(
        "invitation.revoked",
        actor=actor,
        organisation=invitation.organisation,
        obj=invitation,
        details={"reason": reason},
    )


# --- Two-factor authentication -----------------------------------------------------------------

RECOVERY_CODE_COUNT = 10


def start_totp_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the user (any earlier unconfirmed one is replaced)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_totp_enrolment(device: TOTPDevice) -> list[str]:
    """Confirm the authenticator; returns fresh one-time recovery codes, shown once."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = regenerate_recovery_codes(device.user, audited=False)
        audit.record("two_factor.enrolled", actor=device.user)
    return codes


def regenerate_recovery_codes(user: User, *, audited: bool = True) -> list[str]:
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        codes = [
            base64.b32encode(secrets.token_bytes(5)).decode("ascii").lower()
            for _ in range(RECOVERY_CODE_COUNT)
        ]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        if audited:
            audit.record("two_factor.recovery_codes_regenerated", actor=user)
    return codes


def reset_two_factor(membership: Membership, *, actor: User) -> None:
    """An org admin clears a member's authenticator; they enrol again at next login.

    Whatever made the reset necessary (a lost or seized phone) may have exposed the member's
    key pair too: their next sign-in makes a new one (``renew_key_pair``).
    """
    user = membership.user
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(key_pair_renewal_required=True)
        user.key_pair_renewal_required = True
        audit.record(
            "two_factor.reset",
            actor=actor,
            organisation=membership.organisation,
            obj=membership,
            details={"member": user.username},
        )
        signals.account_event.send(sender=User, user=user, event="two_factor_reset")


def has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- Passwords ---------------------------------------------------------------------------------


def change_password(
    user: User, private_key: PrivateKey, new_password: str, *, new_key_pair: bool = False
) -> PrivateKey:
    """New password hash; the private key re-wrapped under it, or a new key pair.

    ``new_key_pair``: the member says the password or device may have been seen; returns
    the private key the session must hold from now on.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record("account.password_changed", actor=user, details={"new_key_pair": new_key_pair})
        signals.account_event.send(sender=User, user=user, event="password_changed")
        if new_key_pair:
            return renew_key_pair(user, private_key, new_password, reason="password_change")
        encryption.rewrap_user_key(user, private_key, new_password)
    return private_key


def renew_key_pair(
    user: User, old_private_key: PrivateKey, password: str, *, reason: str
) -> PrivateKey:
    """Replace a member's key pair that may be in someone else's hands.

    Each organisation of the member gets a new key generation, granted to its members with
    the member's *new* public key; grants sealed to the old public key are deleted and the
    old wrapped private key is overwritten. A copy of the old private key, even with an old
    copy of the database, then opens nothing sealed afterwards.
    """
    with transaction.atomic():
        old_keyring = encryption.KeyRing(user=user, private_key=old_private_key)
        current_keys = {}
        casework_held: dict[int, dict[str, dict[int, PrivateKey]]] = {}
        for membership in (
            Membership.objects.active().filter(user=user).select_related("organisation")
        ):
            try:
                current_keys[membership.organisation_id] = (
                    membership,
                    old_keyring.organisation_private_key(membership.organisation),
                )
                casework_held[membership.organisation_id] = casework_keys.held_circles(
                    old_keyring, membership.organisation
                )
            except (encryption.AccessDenied, crypto.DecryptionError):
                continue  # no usable grant: nothing of this organisation to carry over
        new_private_key = encryption.replace_user_key_pair(user, password)
        # Every grant still sealed to the old public key goes; the rotations below re-grant.
        OrganisationKeyGrant.objects.filter(user=user).delete()
        CaseworkKeyGrant.objects.filter(user=user).delete()
        new_keyring = encryption.KeyRing(user=user, private_key=new_private_key)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), wrapped_user_key=b""
        )
        for membership, current_private_key in current_keys.values():
            organisation = membership.organisation
            # The member's grant is signed again for the new public key, then the same
            # rotation as a removal: confirmed members (the member with the new public key)
            # get the new generation, open invitations are revoked.
            signed_keys.sign_membership(membership, current_private_key)
            # The writing key derived from the old private key signs nothing from now on
            # (what it signed before holds); the new one is certified at the next writing.
            writings.retire(organisation, user)
            rotate_organisation_key(organisation, current_private_key, actor=user)
            casework_keys.after_key_pair_renewed(
                organisation,
                user,
                casework_held.get(organisation.pk, {}),
                new_keyring.organisation_private_key(organisation),
            )
            signals.key_pair_renewed.send(
                sender=User, organisation=organisation, user=user, old_keyring=old_keyring
            )
        User.objects.filter(pk=user.pk).update(key_pair_renewal_required=False)
        user.key_pair_renewal_required = False
        audit.record("account.key_pair_renewed", actor=user, details={"reason": reason})
    return new_private_key


# --- Login bookkeeping -------------------------------------------------------------------------


def record_login_failure(
    user: User | None, *, stage: str, client_locked: bool = False, account_paused: bool = False
) -> None:
    """Count a failed attempt against the account it named, to tell its member later.

    ``client_locked``/``account_paused``: this failure locked the account for its client, or
    left only the recovery codes to sign in with from anywhere (accounts/signin.py). The
    counters wait on the account until the member's next sign-in (``record_login_success``).
    """
    now = timezone.now()
    # The same writes whether the name is an account or not (id 0 is no one's; the audit
    # event then has no actor), so that not even the time taken tells.
    target = User.objects.filter(pk=user.pk if user is not None else 0)
    with transaction.atomic():
        target.update(failed_login_count=F("failed_login_count") + 1)
        if client_locked:
            target.filter(sign_in_locked_at__isnull=True).update(sign_in_locked_at=now)
            audit.record("login.locked", actor=user, details={"scope": "client"})
        if account_paused:
            target.filter(sign_in_paused_at__isnull=True).update(sign_in_paused_at=now)
            audit.record("login.locked", actor=user, details={"scope": "account"})
        audit.record("login.failed", actor=user, details={"stage": stage})


def record_login_success(user: User, *, channel: str) -> SignInNotice | None:
    """The member is in; what happened since their previous sign-in becomes a notice for them."""
    now = timezone.now()
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        notice = None
        if fresh.failed_login_count or fresh.sign_in_locked_at or fresh.sign_in_paused_at:
            notice = SignInNotice.objects.create(
                user=fresh,
                created_at=now,
                failed_attempts=fresh.failed_login_count,
                client_locked_at=fresh.sign_in_locked_at,
                account_paused_at=fresh.sign_in_paused_at,
            )
            audit.record(
                "login.notice_recorded",
                actor=user,
                obj=notice,
                details={
                    "failed_attempts": notice.failed_attempts,
                    "client_locked": notice.client_locked_at is not None,
                    "account_paused": notice.account_paused_at is not None,
                },
            )
        User.objects.filter(pk=user.pk).update(
            failed_login_count=0, sign_in_locked_at=None, sign_in_paused_at=None, last_login=now
        )
        audit.record("login.succeeded", actor=user, details={"channel": channel})
        signals.account_event.send(sender=User, user=user, event="sign_in")
    return notice


def take_unseen_sign_in_notices(user: User) -> list[SignInNotice]:
    """Notices not yet shown in the browser, oldest first; they count as seen from now."""
    with transaction.atomic():
        notices = list(
            SignInNotice.objects.select_for_update()
            .filter(user=user, seen_at__isnull=True)
            .order_by("created_at", "pk")
        )
        SignInNotice.objects.filter(pk__in=[n.pk for n in notices]).update(seen_at=timezone.now())
    return notices


# --- API credentials ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    bearer: str  # "<key id>.<secret>", returned once


def issue_api_token(user: User, organisation: Organisation, private_key: PrivateKey) -> IssuedToken:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            key_id=key_id,
            secret_hash=crypto.lookup_hash(secret.encode()),
            user=user,
            organisation=organisation,
            wrapped_user_key=encryption.wrap_for_token(secret.encode(), private_key),
            expires_at=timezone.now() + timedelta(minutes=settings.API_TOKEN_MINUTES),
        )
        audit.record("api_token.issued", actor=user, organisation=organisation, obj=token)
    return IssuedToken(token, f"{key_id}.{secret}")


def revoke_api_token(token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.wrapped_user_key = b""
        token.save(update_fields=["revoked_at", "wrapped_user_key"])
        audit.record(
            "api_token.revoked", actor=token.user, organisation=token.organisation, obj=token
        )


def issue_api_key(organisation: Organisation, scope: str, *, label: str, actor: User | None) -> str:
    if scope not in ApiKeyScope.values:
        raise ActionError("unknown_scope")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            key_id=key_id,
            secret_hash=crypto.lookup_hash(secret.encode()),
            organisation=organisation,
            scope=scope,
            label=label,
        )
        audit.record(
            "api_key.issued",
            actor=actor,
            organisation=organisation,
            obj=api_key,
            details={"scope": scope},
        )
    return f"dak_{key_id}.{secret}"
