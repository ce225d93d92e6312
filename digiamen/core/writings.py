"""Staff writings signed by their authors.

Sealing needs only public keys, so someone with database access could write a note "by"
any caseworker. Each member therefore signs what they write (a note, a task, a reply to the
reporter, each step of the case's timeline: consent, risk, escalation, referral, closure)
with a key of their own:

* The member's **writing key** (Ed25519) is derived from their private key, so it is
  wrapped, unlocked and recovered with it and changes when they renew their key pair.
* Its verify key is **certified** (``WritingKey``) with the signing key of an organisation
  key generation (``core.key_signing``), by the member themself at their first writing:
  only a holder of the organisation key can, and nobody holding only the database does.
  Certifying a new key retires the member's earlier ones; leaving retires them too.
* A **signature** (``WritingSignature``) covers the row's table and id, its case, its
  author, the time and a digest of its content. ``verify`` answers per row: signed (by
  whom), unsigned, or not matching (a forged, moved or edited entry, or a key retired
  before the time it claims), which the pages flag and the audit log records.

Writing happens inside actions that know no request: the staff session middleware and the
API token authentication hand the request's key ring to ``acting_as`` for the request.

Limits (docs/security-model.md, "Integrity"): a member who holds the organisation key can
certify a key for someone else, and a removed member who kept their key can sign with a
time before their removal.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import nacl.exceptions
from django.db import IntegrityError, transaction
from django.utils import timezone
from nacl.encoding import RawEncoder
from nacl.signing import SigningKey, VerifyKey

from digiamen.core import audit, crypto, encryption, key_signing
from digiamen.core.encryption import KeyRing
from digiamen.core.models import WritingKey, WritingSignature
from digiamen.core.verdicts import Verified

if TYPE_CHECKING:
    from digiamen.accounts.models import Organisation

WRITING_PURPOSE = b"member-writing-signing"
_CERTIFICATE_LABEL = b"digiamen/writing-key/v1"

# The key rings of the members acting now, by user id: the request's member, or every demo
# member while the demo is loaded.
_acting: ContextVar[dict[int, KeyRing]] = ContextVar("writings_keyrings", default={})  # noqa: B039  (never mutated)


@contextmanager
def acting_as(*keyrings: KeyRing) -> Iterator[None]:
    """Sign what these members write inside the block."""
    token = _acting.set({keyring.user.pk: keyring for keyring in keyrings})
    try:
        yield
    finally:
        _acting.reset(token)


def begin(keyring: KeyRing | None) -> None:
    """For the request's key ring, set by the staff session middleware (``end`` after)."""
    _acting.set({keyring.user.pk: keyring} if keyring is not None else {})


def end() -> None:
    _acting.set({})


def writing_key_of(keyring: KeyRing) -> SigningKey:
    """The member's writing key: only a holder of their private key can compute it."""
    return SigningKey(crypto.derive_key(bytes(keyring.private_key), purpose=WRITING_PURPOSE))


def _certificate_message(organisation_id: int, user_id: int, verify_key: bytes) -> bytes:
    return _CERTIFICATE_LABEL + struct.pack(">QQ", organisation_id, user_id) + verify_key


def _certified_key(keyring: KeyRing, organisation: Organisation) -> WritingKey | None:
    """The member's current certified writing key here, certified now if need be; None when
    they hold no organisation key yet (their writing stays unsigned)."""
    verify_key = bytes(writing_key_of(keyring).verify_key)
    found = WritingKey.objects.filter(
        organisation=organisation, user=keyring.user, verify_key=verify_key, retired_at=None
    ).first()
    if found is not None:
        return found
    try:
        generation = encryption.current_organisation_key(organisation)
        private_key = keyring.organisation_private_key(organisation, generation.version)
    except (encryption.AccessDenied, crypto.DecryptionError):
        return None
    signer = key_signing.signing_key_of(private_key)
    certificate = signer.sign(
        _certificate_message(organisation.pk, keyring.user.pk, verify_key), encoder=RawEncoder
    ).signature
    now = timezone.now()
    try:
        with transaction.atomic():
            WritingKey.objects.filter(
                organisation=organisation, user=keyring.user, retired_at=None
            ).update(retired_at=now)
            return WritingKey.objects.create(
                organisation=organisation,
                user=keyring.user,
                verify_key=verify_key,
                generation=generation.version,
                certificate=certificate,
                created_at=now,
            )
    except IntegrityError:  # retired earlier (the member left and came back): stays retired
        return None


def _message(
    table: str, row: int, case_id: int | None, author_id: int, at: datetime, content: bytes
) -> bytes:
    payload = {
        "v": 1,
        "table": table,
        "row": row,
        "case": case_id,
        "author": author_id,
        "at": at.isoformat(timespec="microseconds"),
        "content": hashlib.sha256(content).hexdigest(),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("ascii")


def content_of(value: Any) -> bytes:
    """A row's content as signed: text as UTF-8, anything else as canonical JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(
    row: Any, content: Any, *, organisation: Organisation, author: Any, case_id: int | None
) -> bool:
    """Sign a row just written by ``author``, when the request acts as them (else unsigned)."""
    keyring = _acting.get().get(author.pk) if author is not None else None
    if keyring is None:
        return False
    key = _certified_key(keyring, organisation)
    if key is None:
        return False
    table = row._meta.label_lower
    at = timezone.now()
    message = _message(table, row.pk, case_id, author.pk, at, content_of(content))
    WritingSignature.objects.create(
        table=table,
        row=row.pk,
        key=key,
        signed_at=at,
        signature=writing_key_of(keyring).sign(message, encoder=RawEncoder).signature,
    )
    return True


# --- Verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One written row to verify: where it is, what it says and who it claims wrote it."""

    row: Any
    content: Any
    author_id: int | None
    case_id: int | None


# Trusted generations' verify keys per process, keyed by the organisation's trust anchor:
# a generation's verify key never changes once its chain verified, so the case page needs
# no query for them after the first. A database rebuilt under the same id has another anchor.
_generation_keys: dict[tuple[int, bytes, int], bytes] = {}
_CACHE_LIMIT = 4096


def _trusted_verify_keys(organisation: Organisation, versions: set[int]) -> dict[int, bytes]:
    anchor = bytes(organisation.key_anchor or b"")
    known = {v: _generation_keys.get((organisation.pk, anchor, v)) for v in versions}
    if anchor and all(known.values()):
        return {v: key for v, key in known.items() if key}
    keys = {
        generation.version: bytes(generation.verify_key)
        for generation in key_signing.trusted_generations(organisation)
        if generation.verify_key
    }
    if anchor and len(_generation_keys) < _CACHE_LIMIT:
        _generation_keys.update({(organisation.pk, anchor, v): k for v, k in keys.items()})
    return keys


def _holds(signature: WritingSignature, written: Written, generations: dict[int, bytes]) -> bool:
    key = signature.key
    if key.user_id != written.author_id:
        return False
    generation_key = generations.get(key.generation)
    if generation_key is None:
        return False
    if key.retired_at is not None and signature.signed_at >= key.retired_at:
        return False
    try:
        VerifyKey(generation_key).verify(
            _certificate_message(key.organisation_id, key.user_id, bytes(key.verify_key)),
            bytes(key.certificate),
        )
        message = _message(
            signature.table,
            signature.row,
            written.case_id,
            key.user_id,
            signature.signed_at,
            content_of(written.content),
        )
        VerifyKey(bytes(key.verify_key)).verify(message, bytes(signature.signature))
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False
    return True


def verify(
    organisation: Organisation, written: list[Written], *, audit_object: Any
) -> list[Verified]:
    """Each row's verdict, in order (two queries for all of them); a broken one is audited."""
    if not written:
        return []
    tables = {w.row._meta.label_lower for w in written}
    rows = {w.row.pk for w in written}
    found = {
        (s.table, s.row): s
        for s in WritingSignature.objects.filter(table__in=tables, row__in=rows).select_related(
            "key__user"
        )
    }
    versions = {s.key.generation for s in found.values()}
    generations = _trusted_verify_keys(organisation, versions) if found else {}
    verdicts = []
    for item in written:
        signature = found.get((item.row._meta.label_lower, item.row.pk))
        if signature is None:
            verdicts.append(Verified("unsigned"))
        elif _holds(signature, item, generations):
            verdicts.append(Verified("signed", signature.key.user.username))
        else:
            verdicts.append(Verified("broken"))
            audit.record(
                "writing.signature_broken",
                organisation=organisation,
                obj=audit_object,
                details={"table": signature.table, "row": signature.row},
            )
    return verdicts


def retire(organisation: Organisation, user: Any) -> None:
    """A member leaves: their writing keys here sign nothing from now on."""
    WritingKey.objects.filter(organisation=organisation, user=user, retired_at=None).update(
        retired_at=timezone.now()
    )
