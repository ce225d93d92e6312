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

The same rules hold for the *supervision* key (``KeyCircle.SUPERVISION``), held by
supervisors only: an assigned case is sealed to it and to the assignee's own key
(``case_recipients``), so that other caseworkers' keys open nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from nacl.public import PrivateKey

from digiamen.accounts import signed_keys
from digiamen.accounts.models import CASEWORK_ROLES, Membership, Organisation, Role, User
from digiamen.core import audit, crypto, encryption, key_signing, signals
from digiamen.core.models import CaseworkKey, CaseworkKeyGrant, KeyCircle, UserKeyPair

# Who holds each circle's key.
CIRCLE_ROLES: dict[str, tuple[str, ...]] = {
    KeyCircle.CASEWORK: CASEWORK_ROLES,
    KeyCircle.SUPERVISION: (Role.SUPERVISOR,),
}


def _circles_of(role: str) -> list[str]:
    return [circle for circle, roles in CIRCLE_ROLES.items() if role in roles]


def _signed_casework_members(
    organisation: Organisation,
    circle: str = KeyCircle.CASEWORK,
    *,
    user: User | int | None = None,
) -> list[Membership]:
    """Active, confirmed members of ``circle`` whose grant is signed for this role and key
    (``user``: that member only)."""
    generations = key_signing.trusted_generations(organisation)
    rows = Membership.objects.active().filter(
        organisation=organisation, key_pending=False, role__in=CIRCLE_ROLES[circle]
    )
    if user is not None:
        rows = rows.filter(user=user)
    memberships = list(rows.select_related("user", "organisation"))
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
    """The signed members of the key's circle who hold generation ``key``."""
    if key is None:
        return []
    granted = set(CaseworkKeyGrant.objects.filter(key=key).values_list("user_id", flat=True))
    return [
        m.user for m in _signed_casework_members(organisation, key.circle) if m.user_id in granted
    ]


def _new_generation(
    organisation: Organisation,
    organisation_private_key: PrivateKey,
    members: list[User],
    *,
    actor: User | None,
    reason: str,
    circle: str = KeyCircle.CASEWORK,
) -> CaseworkKey:
    key = encryption.create_casework_generation(
        organisation, organisation_private_key, members, circle
    )
    if reason == "first" and circle == KeyCircle.CASEWORK:
        # Reports that came before there was any casework key were sealed to the
        # organisation key: they move over when a holder signs in (cases.key_migration).
        Organisation.objects.filter(pk=organisation.pk).update(case_keys_migrated_at=None)
        organisation.case_keys_migrated_at = None
    audit.record(
        "organisation.casework_key_renewed",
        actor=actor,
        organisation=organisation,
        details={
            "version": key.version,
            "holders": len(members),
            "reason": reason,
            "circle": circle,
        },
    )
    return key


def on_member_added(
    membership: Membership,
    organisation_private_key: PrivateKey,
    *,
    actor: User | None,
    keyring: encryption.KeyRing | None = None,
) -> str:
    """Give a member confirmed in a casework role the casework key (and a supervisor the
    supervision key), or make them wait; a supervisor who becomes a caseworker leaves the
    supervision circle.

    ``keyring``: the unlocked keys of whoever adds the member, if they hold the keys.
    Returns what happened to the casework key: "granted", "waiting", "new_generation" or
    "none".
    """
    if membership.key_pending:
        return "none"
    outcome = "none"
    for circle in CIRCLE_ROLES:
        if membership.role in CIRCLE_ROLES[circle]:
            done = _add_to_circle(membership, organisation_private_key, circle, actor, keyring)
            if circle == KeyCircle.CASEWORK:
                outcome = done
        else:
            _leave_circle(
                membership.organisation,
                membership.user,
                organisation_private_key,
                circle,
                actor=actor,
            )
    return outcome


def _add_to_circle(
    membership: Membership,
    organisation_private_key: PrivateKey,
    circle: str,
    actor: User | None,
    keyring: encryption.KeyRing | None,
) -> str:
    organisation = membership.organisation
    current = encryption.current_casework_key(organisation, circle)
    if current is not None and keyring is not None:
        try:
            held = keyring.casework_private_keys(organisation, circle)
        except (encryption.AccessDenied, crypto.DecryptionError):
            held = {}
        if current.version in held:
            encryption.grant_casework_keys(keyring, organisation, membership.user, circle)
            return "granted"
    holders = [user for user in _holders(organisation, current) if user.pk != membership.user_id]
    if not holders:
        _new_generation(
            organisation,
            organisation_private_key,
            [membership.user],
            actor=actor,
            reason="no_holder" if current is not None else "first",
            circle=circle,
        )
        return "new_generation"
    if (
        current is not None
        and CaseworkKeyGrant.objects.filter(key=current, user=membership.user).exists()
    ):
        return "granted"
    audit.record(
        "membership.casework_key_waiting",
        actor=actor,
        organisation=organisation,
        obj=membership,
        details={"circle": circle},
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
    remaining holders of each circle get a new generation (only where ``user`` held one).
    Returns the new casework generation, if any."""
    _leave_circle(organisation, user, organisation_private_key, KeyCircle.SUPERVISION, actor=actor)
    return _leave_circle(
        organisation, user, organisation_private_key, KeyCircle.CASEWORK, actor=actor
    )


def _leave_circle(
    organisation: Organisation,
    user: User,
    organisation_private_key: PrivateKey,
    circle: str,
    *,
    actor: User | None,
) -> CaseworkKey | None:
    grants = CaseworkKeyGrant.objects.filter(
        key__organisation=organisation, key__circle=circle, user=user
    )
    if not grants.exists():
        return None
    grants.delete()
    # Every signed member of the circle, the waiting ones too: the new generation needs no
    # holder to share it (the signed role decides), only older ones do.
    remaining = [
        m.user for m in _signed_casework_members(organisation, circle) if m.user_id != user.pk
    ]
    return _new_generation(
        organisation,
        organisation_private_key,
        remaining,
        actor=actor,
        reason="member_left",
        circle=circle,
    )


def held_circles(
    keyring: encryption.KeyRing, organisation: Organisation
) -> dict[str, dict[int, PrivateKey]]:
    """Every generation of each circle that ``keyring`` opens."""
    return {circle: keyring.casework_private_keys(organisation, circle) for circle in CIRCLE_ROLES}


def after_key_pair_renewed(
    organisation: Organisation,
    user: User,
    held: dict[str, dict[int, PrivateKey]],
    organisation_private_key: PrivateKey,
) -> CaseworkKey | None:
    """``user`` has a new key pair; ``held``: per circle, the generations their old one
    opened (``held_circles``).

    Those are sealed to the new public key (grants to the old one are already gone), then a
    new generation is made for every holder: the old private key opens nothing after.
    Returns the new casework generation, if any.
    """
    public_key = bytes(UserKeyPair.objects.get(user=user).public_key)
    renewed: CaseworkKey | None = None
    for circle, keys in held.items():
        if not keys:
            continue
        for key in CaseworkKey.objects.filter(
            organisation=organisation, circle=circle, version__in=keys
        ):
            CaseworkKeyGrant.objects.update_or_create(
                key=key,
                user=user,
                defaults={"sealed_private_key": crypto.seal(public_key, bytes(keys[key.version]))},
            )
        current = encryption.current_casework_key(organisation, circle)
        new_key = _new_generation(
            organisation,
            organisation_private_key,
            _holders(organisation, current),
            actor=user,
            reason="key_pair_renewed",
            circle=circle,
        )
        if circle == KeyCircle.CASEWORK:
            renewed = new_key
    return renewed


def grant_waiting_members(
    organisation: Organisation, keyring: encryption.KeyRing, circle: str = KeyCircle.CASEWORK
) -> int:
    """A holder grants every signed member of ``circle`` who lacks a generation they hold,
    and seals to the current recovery key the generations still sealed to an older one.
    Returns how many members were granted something."""
    held = keyring.casework_private_keys(organisation, circle)
    if not held:
        return 0
    granted = 0
    with transaction.atomic():
        for membership in _signed_casework_members(organisation, circle):
            if membership.user_id == keyring.user.pk:
                continue
            if encryption.grant_casework_keys(keyring, organisation, membership.user, circle):
                granted += 1
        recovery_public_key = bytes(organisation.recovery_public_key)
        stale = CaseworkKey.objects.filter(
            organisation=organisation, circle=circle, version__in=held
        ).exclude(recovery_public_key=recovery_public_key)
        encryption.reseal_casework_to_recovery_key(
            organisation,
            {key.version: held[key.version] for key in stale},
            recovery_public_key,
            circle,
        )
        if granted:
            audit.record(
                "organisation.casework_key_granted",
                actor=keyring.user,
                organisation=organisation,
                details={"members": granted, "circle": circle},
            )
    return granted


def start_casework_key(
    organisation: Organisation, keyring: encryption.KeyRing, circle: str = KeyCircle.CASEWORK
) -> bool:
    """An organisation made before ``circle``'s key: its first generation, granted to every
    signed member of the circle, made by a member who holds the organisation key."""
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if CaseworkKey.objects.filter(organisation=organisation, circle=circle).exists():
            return False
        members = [m.user for m in _signed_casework_members(organisation, circle)]
        if not members:
            return False
        _new_generation(
            organisation,
            keyring.organisation_private_key(organisation),
            members,
            actor=keyring.user,
            reason="first",
            circle=circle,
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
            for circle in _circles_of(membership.role):
                if start_casework_key(organisation, keyring, circle):
                    keyring = encryption.KeyRing(user=user, private_key=private_key)
                grant_waiting_members(organisation, keyring, circle)
            if any(held_circles(keyring, organisation).values()):
                signals.casework_key_unlocked.send(
                    sender=CaseworkKey, organisation=organisation, keyring=keyring
                )
        except (encryption.AccessDenied, crypto.DecryptionError):
            continue


@dataclass(frozen=True)
class CaseworkKeyStatus:
    """What is left to do for the casework and supervision keys in one organisation:
    counts only."""

    generations: int
    holders: int
    waiting: int
    old_recovery_seals: int
    supervision_holders: int = 0
    supervision_waiting: int = 0


def _circle_counts(organisation: Organisation, circle: str) -> tuple[int, int]:
    """(holders, waiting) of the circle's current generation."""
    current = encryption.current_casework_key(organisation, circle)
    members = _signed_casework_members(organisation, circle)
    granted = (
        set(CaseworkKeyGrant.objects.filter(key=current).values_list("user_id", flat=True))
        if current is not None
        else set()
    )
    holders = sum(m.user_id in granted for m in members)
    return holders, len(members) - holders


def casework_key_status(organisation: Organisation) -> CaseworkKeyStatus:
    holders, waiting = _circle_counts(organisation, KeyCircle.CASEWORK)
    supervision_holders, supervision_waiting = _circle_counts(organisation, KeyCircle.SUPERVISION)
    keys = CaseworkKey.objects.filter(organisation=organisation)
    return CaseworkKeyStatus(
        generations=keys.filter(circle=KeyCircle.CASEWORK).count(),
        holders=holders,
        waiting=waiting,
        old_recovery_seals=keys.exclude(
            recovery_public_key=bytes(organisation.recovery_public_key)
        ).count(),
        supervision_holders=supervision_holders,
        supervision_waiting=supervision_waiting,
    )


def case_recipients(
    organisation: Organisation, assignee_id: int | None
) -> encryption.CaseRecipients:
    """Who a case's data keys are sealed to: the casework circle while it is unassigned;
    once assigned, the supervision key and the assignee's own public key, provided the
    assignee is still a signed casework member (else the supervision key alone) and the
    organisation has a supervision key (else the casework circle, as before)."""
    casework = encryption.current_casework_key(organisation)
    if assignee_id is None or casework is None:
        return encryption.CaseRecipients(casework=casework)
    supervision = encryption.current_casework_key(organisation, KeyCircle.SUPERVISION)
    if supervision is None:
        return encryption.CaseRecipients(casework=casework)
    signed = _signed_casework_members(organisation, KeyCircle.CASEWORK, user=assignee_id)
    public_key = b""
    if signed:
        row = UserKeyPair.objects.filter(user_id=assignee_id).values_list("public_key").first()
        public_key = bytes(row[0]) if row else b""
    return encryption.CaseRecipients(
        casework=casework,
        supervision=supervision,
        assignee_id=assignee_id if public_key else None,
        assignee_public_key=public_key,
    )


def grant_recovered_keys(organisation: Organisation, user: User, recovery_key_text: str) -> int:
    """After every holder is gone: the offline recovery key opens every generation of the
    circles ``user``'s signed role belongs to, and they are sealed to ``user``. Returns how
    many generations were granted. Raises ``crypto.DecryptionError`` for a wrong key and
    ``encryption.AccessDenied`` when ``user`` is not a signed casework member."""
    granted = 0
    with transaction.atomic():
        for circle in CIRCLE_ROLES:
            if not _signed_casework_members(organisation, circle, user=user):
                if circle == KeyCircle.CASEWORK:
                    raise encryption.AccessDenied("not a signed casework member")
                continue
            keys = encryption.recover_casework_keys(organisation, recovery_key_text, circle)
            public_key = bytes(UserKeyPair.objects.get(user=user).public_key)
            for key in CaseworkKey.objects.filter(
                organisation=organisation, circle=circle, version__in=keys
            ):
                CaseworkKeyGrant.objects.update_or_create(
                    key=key,
                    user=user,
                    defaults={
                        "sealed_private_key": crypto.seal(public_key, bytes(keys[key.version]))
                    },
                )
                granted += 1
        audit.record(
            "organisation.casework_key_recovered",
            organisation=organisation,
            obj=user,
            details={"generations": granted},
        )
    return granted
