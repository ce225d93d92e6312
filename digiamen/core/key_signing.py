"""Signed key material: generations and memberships that someone with only database write
access cannot forge.

Each organisation key generation has an Ed25519 signing key derived from its private key.
A generation row carries its own verify key and a signature over (organisation, version,
public key, verify key) made with the *previous* generation's signing key (generation 1
signs itself). A member's grant is backed by a signature, by a holder of the organisation
key, over (organisation, user, role, member's public key). Nobody holding only the
database holds any generation's private key, so they can neither add a generation that
new reports would be sealed to nor a member that the next rotation would grant.

An organisation made before signatures existed is *legacy* (``keys_signed_at`` empty)
until a member holding its key signs in (``accounts.signed_keys.sign_on_sign_in``); until
then unsigned rows are accepted as before. ``ORGANISATION_KEYS_SIGNED_ONLY`` ends that
window for every organisation at once (see docs/security-model.md).
"""

from __future__ import annotations

import hmac
import struct
from typing import TYPE_CHECKING

import nacl.exceptions
import nacl.hash
from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from digiamen.core import audit, crypto
from digiamen.core.models import CaseworkKey, OrganisationKey

if TYPE_CHECKING:
    from digiamen.accounts.models import Organisation

SIGNING_PURPOSE = b"organisation-key-signing"
_GENERATION_LABEL = b"digiamen/organisation-key-generation/v1"
_MEMBERSHIP_LABEL = b"digiamen/membership-grant/v1"
_CASEWORK_LABEL = b"digiamen/casework-key-generation/v1"
# The supervision circle signs under its own label: a casework generation's signature never
# makes it a supervision generation (which would let every caseworker open assigned cases).
_SUPERVISION_LABEL = b"digiamen/supervision-key-generation/v1"

# Verified chains per process, keyed by a digest of every row's signed fields: a call costs
# one query and a hash instead of one Ed25519 verification per generation.
_verified_prefix: dict[tuple[int, bool, bytes], int] = {}
_CACHE_LIMIT = 4096
# The newest trusted version each process has seen, per organisation (and its generation
# 1, so that a database restored or rebuilt under the same id starts afresh): rows deleted
# to fall back to an older generation, one a removed member may still hold, are refused
# while the process runs. A restart forgets it (docs/security-model.md, "Limits").
_newest_seen: dict[tuple[int, bytes], int] = {}


def signing_key_of(organisation_private_key: PrivateKey) -> SigningKey:
    """The generation's signing key; only a holder of its private key can compute it."""
    return SigningKey(crypto.derive_key(bytes(organisation_private_key), purpose=SIGNING_PURPOSE))


def _field(value: bytes) -> bytes:
    # Length-prefixed so that no two different tuples encode alike.
    return struct.pack(">I", len(value)) + value


def generation_message(
    organisation_id: int, version: int, public_key: bytes, verify_key: bytes
) -> bytes:
    return (
        _field(_GENERATION_LABEL)
        + struct.pack(">QI", organisation_id, version)
        + _field(bytes(public_key))
        + _field(bytes(verify_key))
    )


def membership_message(
    organisation_id: int, user_id: int, role: str, member_public_key: bytes
) -> bytes:
    return (
        _field(_MEMBERSHIP_LABEL)
        + struct.pack(">QQ", organisation_id, user_id)
        + _field(role.encode())
        + _field(bytes(member_public_key))
    )


def sign_generation(
    key: OrganisationKey, private_key: PrivateKey, previous_private_key: PrivateKey | None
) -> None:
    """Fill in ``key.verify_key`` and ``key.signature`` (the caller saves the row).

    ``previous_private_key`` is the generation before ``key`` (None for generation 1, which
    signs itself).
    """
    if bytes(private_key.public_key) != bytes(key.public_key):
        raise ValueError("not this generation's private key")
    verify_key = bytes(signing_key_of(private_key).verify_key)
    signer = signing_key_of(previous_private_key or private_key)
    message = generation_message(
        key.organisation_id, key.version, bytes(key.public_key), verify_key
    )
    key.verify_key = verify_key
    key.signature = signer.sign(message, encoder=RawEncoder).signature


def casework_message(
    organisation_id: int, version: int, public_key: bytes, circle: str = "casework"
) -> bytes:
    label = _SUPERVISION_LABEL if circle == "supervision" else _CASEWORK_LABEL
    return _field(label) + struct.pack(">QI", organisation_id, version) + _field(bytes(public_key))


def sign_casework_generation(
    key: CaseworkKey, organisation_private_key: PrivateKey, organisation_version: int
) -> None:
    """Fill in ``key.signature`` with the organisation key's signing key (the caller saves)."""
    message = casework_message(key.organisation_id, key.version, bytes(key.public_key), key.circle)
    key.signature = (
        signing_key_of(organisation_private_key).sign(message, encoder=RawEncoder).signature
    )
    key.signed_by_version = organisation_version


# Casework chains verified per process, keyed by a digest of every row's signed fields, so
# that opening a case needs no query of the organisation key chain once a process has
# checked the casework rows against it (a new or changed row changes the digest).
_casework_verified: dict[tuple[int, bytes], int] = {}


def _casework_digest(rows: list[CaseworkKey]) -> bytes:
    parts = b"".join(
        struct.pack(">II", row.version, row.signed_by_version or 0)
        + _field(row.circle.encode())
        + _field(bytes(row.public_key))
        + _field(bytes(row.signature or b""))
        for row in rows
    )
    return nacl.hash.blake2b(parts, digest_size=32, encoder=RawEncoder)


def trusted_casework_generations(
    organisation: Organisation, rows: list[CaseworkKey]
) -> list[CaseworkKey]:
    """``rows`` (oldest first) whose signature verifies against a trusted generation of the
    organisation key (every row in a legacy organisation, as for the organisation key)."""
    if not rows or not signatures_required(organisation):
        return rows
    cache_key = (organisation.pk, _casework_digest(rows))
    if cache_key not in _casework_verified:
        signers = {g.version: bytes(g.verify_key) for g in trusted_generations(organisation)}
        valid = 0
        for index, row in enumerate(rows):
            message = casework_message(
                organisation.pk, row.version, bytes(row.public_key), row.circle
            )
            verify_key = signers.get(row.signed_by_version or 0, b"")
            if _verifies(verify_key, message, bytes(row.signature or b"")):
                valid |= 1 << index
        if valid != (1 << len(rows)) - 1:
            audit.record(
                "organisation.casework_key_refused",
                organisation=organisation,
                details={"rows": len(rows) - bin(valid).count("1")},
            )
        if len(_casework_verified) >= _CACHE_LIMIT:
            _casework_verified.clear()
        _casework_verified[cache_key] = valid
    valid = _casework_verified[cache_key]
    return [row for index, row in enumerate(rows) if valid >> index & 1]


def sign_membership(
    organisation_private_key: PrivateKey,
    *,
    organisation_id: int,
    user_id: int,
    role: str,
    member_public_key: bytes,
) -> bytes:
    message = membership_message(organisation_id, user_id, role, member_public_key)
    return bytes(
        signing_key_of(organisation_private_key).sign(message, encoder=RawEncoder).signature
    )


def _verifies(verify_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(verify_key) != 32 or len(signature) != 64:
        return False
    try:
        VerifyKey(verify_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def membership_signature_valid(
    generations: list[OrganisationKey],
    *,
    organisation_id: int,
    user_id: int,
    role: str,
    member_public_key: bytes,
    signature: bytes,
    signed_by_version: int | None,
) -> bool:
    """The grant signature was made by a trusted generation over exactly these values."""
    signer = next((g for g in generations if g.version == signed_by_version), None)
    if signer is None or not bytes(signer.verify_key):
        return False
    message = membership_message(organisation_id, user_id, role, member_public_key)
    return _verifies(bytes(signer.verify_key), message, bytes(signature))


# --- The trust anchor ---------------------------------------------------------------------------
#
# Generation 1 signs itself, so a complete chain written by someone with database write
# access (their own generation 1 and successors) would verify. The anchor, a MAC keyed by a
# key derived from SECRET_KEY (which lives outside the database), pins generation 1's public
# and verify keys and the organisation's recovery public key: a chain or a recovery key
# swapped in the database no longer matches it, and nothing is sealed to them.

_ANCHOR_PURPOSE = b"organisation-key-anchor"
_ANCHOR_PERSON = b"digiamen-anchor"


def _anchor_keys() -> list[bytes]:
    """The current secret key's anchor key first, then the fallbacks' (a key being rotated)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        crypto.derive_key(secret.encode(), purpose=_ANCHOR_PURPOSE) for secret in secrets if secret
    ]


def compute_anchor(
    organisation_id: int,
    first_public_key: bytes,
    first_verify_key: bytes,
    recovery_public_key: bytes,
    key: bytes | None = None,
) -> bytes:
    message = (
        struct.pack(">Q", organisation_id)
        + _field(bytes(first_public_key))
        + _field(bytes(first_verify_key))
        + _field(bytes(recovery_public_key))
    )
    return nacl.hash.blake2b(
        message,
        key=key if key is not None else _anchor_keys()[0],
        person=_ANCHOR_PERSON,
        digest_size=32,
        encoder=RawEncoder,
    )


def anchor_organisation(organisation: Organisation) -> None:
    """Pin the organisation's generation 1 and recovery key (the caller holds them as
    trusted: just made, just signed, or a recovery key just rotated by a key holder)."""
    first = OrganisationKey.objects.filter(organisation=organisation, version=1).first()
    if first is None or not bytes(first.verify_key or b""):
        return
    organisation.key_anchor = compute_anchor(
        organisation.pk,
        bytes(first.public_key),
        bytes(first.verify_key),
        bytes(organisation.recovery_public_key),
    )
    type(organisation).objects.filter(pk=organisation.pk).update(key_anchor=organisation.key_anchor)


def anchor_holds(organisation: Organisation, first: OrganisationKey) -> bool:
    """Generation 1 and the recovery public key are the ones pinned. A signed organisation
    without an anchor is refused too: blanking the column must not switch the check off
    (every signed organisation is anchored: at creation, at signing, by a migration)."""
    stored = bytes(organisation.key_anchor or b"")
    if not stored:
        return False
    return any(
        hmac.compare_digest(
            compute_anchor(
                organisation.pk,
                bytes(first.public_key),
                bytes(first.verify_key or b""),
                bytes(organisation.recovery_public_key),
                key,
            ),
            stored,
        )
        for key in _anchor_keys()
    )


def signatures_required(organisation: Organisation) -> bool:
    """Unsigned rows are refused: the organisation was signed, or the operator said so."""
    return bool(settings.ORGANISATION_KEYS_SIGNED_ONLY) or organisation.keys_signed_at is not None


def _chain_digest(rows: list[OrganisationKey]) -> bytes:
    parts = b"".join(
        struct.pack(">I", row.version)
        + _field(bytes(row.public_key))
        + _field(bytes(row.verify_key or b""))
        + _field(bytes(row.signature or b""))
        for row in rows
    )
    return nacl.hash.blake2b(parts, digest_size=32, encoder=RawEncoder)


def _verified_length(organisation_id: int, rows: list[OrganisationKey]) -> int:
    """How many rows, from generation 1 on, form an unbroken chain of signatures."""
    previous: OrganisationKey | None = None
    for index, row in enumerate(rows):
        expected_version = 1 if previous is None else previous.version + 1
        signer = bytes(row.verify_key or b"") if previous is None else bytes(previous.verify_key)
        message = generation_message(
            organisation_id, row.version, bytes(row.public_key), bytes(row.verify_key or b"")
        )
        if row.version != expected_version or not _verifies(
            signer, message, bytes(row.signature or b"")
        ):
            return index
        previous = row
    return len(rows)


def _remember(cache_key: tuple[int, bool, bytes], length: int) -> None:
    if len(_verified_prefix) >= _CACHE_LIMIT:
        _verified_prefix.clear()
    _verified_prefix[cache_key] = length


def split_generations(
    organisation: Organisation, rows: list[OrganisationKey]
) -> tuple[list[OrganisationKey], list[OrganisationKey]]:
    """``rows`` (oldest first) split into the trusted generations and the refused ones.

    A legacy organisation trusts every row, as before signatures. Otherwise the trusted
    generations are the chain that verifies from generation 1; every row after the first
    that does not verify is refused, and an audit event says so once per process.
    """
    required = signatures_required(organisation)
    if not required:
        return rows, []
    cache_key = (
        organisation.pk,
        required,
        _chain_digest(rows)
        + bytes(organisation.key_anchor or b"")
        + bytes(organisation.recovery_public_key),
    )
    length = _verified_prefix.get(cache_key)
    if length is None and rows and not anchor_holds(organisation, rows[0]):
        # Content-free: that the pinned generation 1 or recovery key was not found.
        audit.record("organisation.key_anchor_refused", organisation=organisation)
        length = 0
        _remember(cache_key, length)
    if length is None:
        length = _verified_length(organisation.pk, rows)
        _remember(cache_key, length)
        if length < len(rows):
            # Content-free: which version was refused and how many rows, nothing else.
            audit.record(
                "organisation.key_refused",
                organisation=organisation,
                details={"version": rows[length].version, "rows": len(rows) - length},
            )
    trusted = rows[:length]
    if trusted:
        seen_key = (organisation.pk, bytes(trusted[0].public_key))
        newest_seen = _newest_seen.get(seen_key, 0)
        if trusted[-1].version < newest_seen:
            audit.record(
                "organisation.key_rollback_refused",
                organisation=organisation,
                details={"version": trusted[-1].version, "seen": newest_seen},
            )
            return [], rows
        if len(_newest_seen) >= _CACHE_LIMIT:
            _newest_seen.clear()
        _newest_seen[seen_key] = trusted[-1].version
    return trusted, rows[length:]


def trusted_generations(organisation: Organisation) -> list[OrganisationKey]:
    """The organisation's generations that may be sealed to or granted, oldest first."""
    rows = list(OrganisationKey.objects.filter(organisation=organisation).order_by("version"))
    return split_generations(organisation, rows)[0]
