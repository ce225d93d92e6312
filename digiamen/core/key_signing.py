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

import struct
from typing import TYPE_CHECKING

import nacl.exceptions
import nacl.hash
from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from digiamen.core import audit, crypto
from digiamen.core.models import OrganisationKey

if TYPE_CHECKING:
    from digiamen.accounts.models import Organisation

SIGNING_PURPOSE = b"organisation-key-signing"
_GENERATION_LABEL = b"digiamen/organisation-key-generation/v1"
_MEMBERSHIP_LABEL = b"digiamen/membership-grant/v1"

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
    cache_key = (organisation.pk, required, _chain_digest(rows))
    length = _verified_prefix.get(cache_key)
    if length is None:
        length = _verified_length(organisation.pk, rows)
        if len(_verified_prefix) >= _CACHE_LIMIT:
            _verified_prefix.clear()
        _verified_prefix[cache_key] = length
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
