"""Who holds the casework key, and when they are given it.

The casework key (``core.encryption``, "Casework keys") opens case data; only members
whose *signed* role works cases hold it (``CASEWORK_ROLES``). The rules:

* A new casework member is granted every generation at once when the person adding them
  holds the key; otherwise (an org admin holds only the organisation key) they wait, and
  the next holder to sign in grants them. An organisation whose casework key has no
  active holder at all starts a new generation for the newcomer: what was sealed to the
  older ones opens again only through the recovery procedure.
* A member who leaves casework (removed, or given another role) loses their grants, and a
  new generation is made for the remaining holders, so they open nothing sealed later.
* An organisation made before the casework key existed gets its first generation when a
  member holding its organisation key and a casework role signs in; the case data sealed
  to the organisation key is then moved over (``cases.key_migration``, by signal).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from nacl.public import PrivateKey

from digiamen.accounts import signed_keys
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, User
from digiamen.core import audit, crypto, encryption, key_signing, signals
from digiamen.core.models import CaseworkKey, CaseworkKeyGrant, UserKeyPair


def _signed_casework_members(organisation: Organisation) -> list[Membership]:
    """Active, confirmed casework members whose grant is signed for this role and key."""
    generations = key_signing.trusted_generations(organisation)
    memberships = list(
        Membership.objects.active()
        .filter(organisation=organisation, key_pending=False, role__in=CASEWORK_ROLES)
        .select_related("user", "organisation")
    )
    public_keys = dict(
        UserKeyPair.objects.filter(user_id__in=[m.user_id for m in memberships]).values_list(
            "user_id", "public_key"
        )
    )
    return [
        m
        for m in memberships
        if m.user_id in public_keys
        and signed_keys.may_be_granted(m, generations, bytes(public_keys[m.user_id]))
    ]


def _holders(organisation: Organisation, key: CaseworkKey | None) -> list[User]:
    """The signed casework members who hold generation ``key``."""
    if key is None:
        return []
    granted = set(CaseworkKeyGrant.objects.filter(key=key).values_list("user_id", flat=True))
    return [m.user for m in _signed_casework_members(organisation) if m.user_id in granted]


def _new_generation(
    organisation: Organisation,
    organisation_private_key: PrivateKey,
    members: list[User],
    *,
    actor: User | None,
    reason: str,
) -> CaseworkKey:
    key = encryption.create_casework_generation(organisation, organisation_private_key, members)
    if reason == "first":
        # Reports that came before there was any casework key were sealed to the
        # organisation key: they move over when a holder signs in (cases.key_migration).
        Organisation.objects.filter(pk=organisation.pk).update(case_keys_migrated_at=None)
        organisation.case_keys_migrated_at = None
    audit.record(
        "organisation.casework_key_renewed",
        actor=actor,
        organisation=organisation,
        details={"version": key.version, "holders": len(members), "reason": reason},
    )
    return key


def on_member_added(
    membership: Membership,
    organisation_private_key: PrivateKey,
    *,
    actor: User | None,
    keyring: encryption.KeyRing | None = None,
) -> str:
    """Give a member confirmed in a casework role the casework key, or make them wait.

    ``keyring``: the unlocked keys of whoever adds the member, if they hold the casework
    key. Returns what happened: "granted", "waiting", "new_generation" or "none".
    """
    organisation = membership.organisation
    if membership.role not in CASEWORK_ROLES or membership.key_pending:
        return "none"
    current = encryption.current_casework_key(organisation)
    if current is not None and keyring is not None:
        try:
            held = keyring.casework_private_keys(organisation)
        except (encryption.AccessDenied, crypto.DecryptionError):
            held = {}
        if current.version in held:
            encryption.grant_casework_keys(keyring, organisation, membership.user)
            return "granted"
    holders = [user for user in _holders(organisation, current) if user.pk != membership.user_id]
    if not holders:
        _new_generation(
            organisation,
            organisation_private_key,
            [membership.user],
            actor=actor,
            reason="no_holder" if current is not None else "first",
        )
        return "new_generation"
    if (
        current is not None
        and CaseworkKeyGrant.objects.filter(key=current, user=membership.user).exists()
    ):
        return "granted"
    audit.record(
        "membership.casework_key_waiting", actor=actor, organisation=organisation, obj=membership
    )
    return "waiting"


def on_member_left(
    organisation: Organisation,
    user: User,
    organisation_private_key: PrivateKey,
    *,
    actor: User | None,
) -> CaseworkKey | None:
    """``user`` no longer works this organisation's cases: their grants go, and the
    remaining holders get a new generation (only if ``user`` held one)."""
    grants = CaseworkKeyGrant.objects.filter(key__organisation=organisation, user=user)
    if not grants.exists():
        return None
    grants.delete()
    current = encryption.current_casework_key(organisation)
    remaining = [holder for holder in _holders(organisation, current) if holder.pk != user.pk]
    return _new_generation(
        organisation, organisation_private_key, remaining, actor=actor, reason="member_left"
    )


def after_key_pair_renewed(
    organisation: Organisation,
    user: User,
    held: dict[int, PrivateKey],
    organisation_private_key: PrivateKey,
) -> CaseworkKey | None:
    """``user`` has a new key pair; ``held``: the casework generations their old one opened.

    Those are sealed to the new public key (grants to the old one are already gone), then a
    new generation is made for every holder: the old private key opens nothing after.
    """
    if not held:
        return None
    public_key = bytes(UserKeyPair.objects.get(user=user).public_key)
    for key in CaseworkKey.objects.filter(organisation=organisation, version__in=held):
        CaseworkKeyGrant.objects.update_or_create(
            key=key,
            user=user,
            defaults={"sealed_private_key": crypto.seal(public_key, bytes(held[key.version]))},
        )
    current = encryption.current_casework_key(organisation)
    return _new_generation(
        organisation,
        organisation_private_key,
        _holders(organisation, current),
        actor=user,
        reason="key_pair_renewed",
    )


def grant_waiting_members(organisation: Organisation, keyring: encryption.KeyRing) -> int:
    """A holder grants every signed casework member who lacks a generation they hold, and
    seals to the current recovery key the generations still sealed to an older one.
    Returns how many members were granted something."""
    held = keyring.casework_private_keys(organisation)
    if not held:
        return 0
    granted = 0
    with transaction.atomic():
        for membership in _signed_casework_members(organisation):
            if membership.user_id == keyring.user.pk:
                continue
            if encryption.grant_casework_keys(keyring, organisation, membership.user):
                granted += 1
        recovery_public_key = bytes(organisation.recovery_public_key)
        stale = CaseworkKey.objects.filter(organisation=organisation, version__in=held).exclude(
            recovery_public_key=recovery_public_key
        )
        encryption.reseal_casework_to_recovery_key(
            organisation,
            {key.version: held[key.version] for key in stale},
            recovery_public_key,
        )
        if granted:
            audit.record(
                "organisation.casework_key_granted",
                actor=keyring.user,
                organisation=organisation,
                details={"members": granted},
            )
    return granted


def start_casework_key(organisation: Organisation, keyring: encryption.KeyRing) -> bool:
    """An organisation made before the casework key: its first generation, granted to every
    signed casework member, made by a member who holds the organisation key."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if CaseworkKey.objects.filter(organisation=organisation).exists():
            return False
        members = [m.user for m in _signed_casework_members(organisation)]
        _new_generation(
            organisation,
            keyring.organisation_private_key(organisation),
            members,
            actor=keyring.user,
            reason="first",
        )
    return True


def on_sign_in(user: User, private_key: PrivateKey) -> None:
    """What a casework member's sign-in does for each of their organisations: start the
    casework key of an organisation that has none, grant waiting colleagues, and let the
    case data sealed the old way move over (``signals.casework_key_unlocked``).

    Failures are quiet: a member holding no usable key simply does nothing here.
    """
    keyring = encryption.KeyRing(user=user, private_key=private_key)
    for membership in (
        Membership.objects.active()
        .filter(user=user, key_pending=False, role__in=CASEWORK_ROLES)
        .select_related("organisation")
    ):
        organisation = membership.organisation
        try:
            if start_casework_key(organisation, keyring):
                keyring = encryption.KeyRing(user=user, private_key=private_key)
            grant_waiting_members(organisation, keyring)
            if keyring.casework_private_keys(organisation):
                signals.casework_key_unlocked.send(
                    sender=CaseworkKey, organisation=organisation, keyring=keyring
                )
        except (encryption.AccessDenied, crypto.DecryptionError):
            continue


@dataclass(frozen=True)
class CaseworkKeyStatus:
    """What is left to do for the casework key in one organisation: counts only."""

    generations: int
    holders: int
    waiting: int
    old_recovery_seals: int


def casework_key_status(organisation: Organisation) -> CaseworkKeyStatus:
    current = encryption.current_casework_key(organisation)
    members = _signed_casework_members(organisation)
    granted = (
        set(CaseworkKeyGrant.objects.filter(key=current).values_list("user_id", flat=True))
        if current is not None
        else set()
    )
    keys = CaseworkKey.objects.filter(organisation=organisation)
    return CaseworkKeyStatus(
        generations=keys.count(),
        holders=sum(m.user_id in granted for m in members),
        waiting=sum(m.user_id not in granted for m in members),
        old_recovery_seals=keys.exclude(
            recovery_public_key=bytes(organisation.recovery_public_key)
        ).count(),
    )
