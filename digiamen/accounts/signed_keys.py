"""Memberships signed by a holder of the organisation key, and the migration of
organisations made before signatures existed (core/key_signing.py explains the design).

A membership is granted a new key generation only when its signature verifies against a
trusted generation and its member's key pair is still the one that was signed. A legacy
organisation (``keys_signed_at`` empty) is signed, generations and memberships, when a
member holding its key signs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from nacl.public import PrivateKey

from digiamen.accounts.models import Membership, Organisation, User
from digiamen.core import audit, crypto, encryption, key_signing
from digiamen.core.models import OrganisationKey, OrganisationKeyGrant, UserKeyPair


def sign_membership(membership: Membership, organisation_private_key: PrivateKey) -> None:
    """Sign the member's grant with the current generation's key (the caller holds it)."""
    organisation = membership.organisation
    current = encryption.current_organisation_key(organisation)
    if bytes(organisation_private_key.public_key) != bytes(current.public_key):
        raise encryption.AccessDenied("not the organisation's current key")
    member_public_key = bytes(UserKeyPair.objects.get(user_id=membership.user_id).public_key)
    membership.key_signature = key_signing.sign_membership(
        organisation_private_key,
        organisation_id=organisation.pk,
        user_id=membership.user_id,
        role=membership.role,
        member_public_key=member_public_key,
    )
    membership.key_signed_by_version = current.version
    membership.save(update_fields=["key_signature", "key_signed_by_version"])


def may_be_granted(
    membership: Membership, generations: list[OrganisationKey], member_public_key: bytes
) -> bool:
    """Whether a rotation may seal the new generation to this member's public key.

    A legacy organisation grants as before signatures. Otherwise the membership must carry
    a signature, by a trusted generation, over its role and exactly this public key: a row
    written by hand, or a key pair swapped in the database, gets nothing.
    """
    if not key_signing.signatures_required(membership.organisation):
        return True
    return key_signing.membership_signature_valid(
        generations,
        organisation_id=membership.organisation_id,
        user_id=membership.user_id,
        role=membership.role,
        member_public_key=member_public_key,
        signature=bytes(membership.key_signature or b""),
        signed_by_version=membership.key_signed_by_version,
    )


def members_to_grant(organisation: Organisation) -> list[User]:
    """The confirmed active members whose grant is signed (all of them in a legacy
    organisation); an audit event counts those refused, without naming them."""
    generations = key_signing.trusted_generations(organisation)
    memberships = list(
        Membership.objects.active()
        .filter(organisation=organisation, key_pending=False)
        .select_related("user", "organisation")
    )
    public_keys = {
        pair.user_id: bytes(pair.public_key)
        for pair in UserKeyPair.objects.filter(user_id__in=[m.user_id for m in memberships])
    }
    granted = [
        m.user
        for m in memberships
        if m.user_id in public_keys and may_be_granted(m, generations, public_keys[m.user_id])
    ]
    if len(granted) < len(memberships):
        audit.record(
            "membership.key_refused",
            organisation=organisation,
            details={"memberships": len(memberships) - len(granted)},
        )
    return granted


# --- Migration of organisations made before signatures ----------------------------------------


@dataclass(frozen=True)
class SigningStatus:
    """What is left to sign in one organisation: counts only."""

    signed_at: datetime | None
    generations: int
    unsigned_generations: int
    memberships: int
    unsigned_memberships: int

    @property
    def complete(self) -> bool:
        return self.unsigned_generations == 0 and self.unsigned_memberships == 0


def signing_status(organisation: Organisation) -> SigningStatus:
    keys = OrganisationKey.objects.filter(organisation=organisation)
    members = Membership.objects.active().filter(organisation=organisation, key_pending=False)
    return SigningStatus(
        signed_at=organisation.keys_signed_at,
        generations=keys.count(),
        unsigned_generations=keys.filter(signature=b"").count(),
        memberships=members.count(),
        unsigned_memberships=members.filter(key_signed_by_version__isnull=True).count(),
    )


def sign_on_sign_in(user: User, private_key: PrivateKey) -> int:
    """Sign every legacy organisation of ``user`` whose key they hold. Returns how many.

    Called where both sign-in pages open the member's key. Failures are quiet: a member
    who holds no usable key of an organisation simply does not sign it.
    """
    keyring = encryption.KeyRing(user=user, private_key=private_key)
    signed = 0
    for membership in (
        Membership.objects.active()
        .filter(user=user, key_pending=False, organisation__keys_signed_at__isnull=True)
        .select_related("organisation")
    ):
        try:
            if sign_legacy_organisation(membership.organisation, keyring, actor=user):
                signed += 1
        except (encryption.AccessDenied, crypto.DecryptionError):
            continue
    return signed


def sign_legacy_organisation(
    organisation: Organisation, keyring: encryption.KeyRing, *, actor: User
) -> bool:
    """Sign every generation (walking the chain back from the current private key) and
    every confirmed membership holding a grant of the current generation.

    Only what the keyring verifies is signed: each generation's private key must open from
    its successor and match its public key, so a generation added by hand stops the walk
    and nothing is signed. A membership's grant cannot be opened by anyone but its member;
    rows that exist at this moment are trusted as they were before signatures (the window
    docs/security-model.md describes).
    """
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.keys_signed_at is not None:
            return False
        # Every row, signed or not, even when ORGANISATION_KEYS_SIGNED_ONLY already refuses
        # them for sealing: the walk below is what authenticates them here.
        rows = list(OrganisationKey.objects.filter(organisation=organisation).order_by("version"))
        if not rows or [row.version for row in rows] != list(range(1, len(rows) + 1)):
            raise encryption.AccessDenied("key generations are not numbered 1, 2, 3, ...")
        grant = OrganisationKeyGrant.objects.filter(key=rows[-1], user=actor).first()
        if grant is None:
            raise encryption.AccessDenied("no key grant for this member")
        current_private_key = crypto.private_key_from_bytes(
            crypto.unseal(keyring.private_key, bytes(grant.sealed_private_key))
        )
        private_keys = encryption.walk_generation_keys(rows[::-1], current_private_key)
        for row in rows:
            previous = private_keys.get(row.version - 1)
            key_signing.sign_generation(row, private_keys[row.version], previous)
            row.save(update_fields=["verify_key", "signature"])
        current = rows[-1]
        granted_users = set(
            OrganisationKeyGrant.objects.filter(key=current).values_list("user_id", flat=True)
        )
        # Signed from here on: the memberships below are checked against the signed chain.
        organisation.keys_signed_at = timezone.now()
        organisation.save(update_fields=["keys_signed_at"])
        key_signing.anchor_organisation(organisation)
        memberships = 0
        for membership in (
            Membership.objects.active()
            .filter(organisation=organisation, key_pending=False, user_id__in=granted_users)
            .select_related("organisation")
        ):
            membership.organisation = organisation
            sign_membership(membership, current_private_key)
            memberships += 1
        audit.record(
            "organisation.keys_signed",
            actor=actor,
            organisation=organisation,
            details={"generations": len(rows), "memberships": memberships},
        )
    return True
