"""Application-level encryption: the interface the other apps use.

Writing needs no secret::

    record_key = new_record_key(organisation)           # random data key, sealed to the org
    report.sealed_key = record_key.envelope
    report.narrative = record_key.encrypt(text, field="narrative", record=report.uuid)

    sealed = seal_for_organisation(organisation, b"...")  # one value, its own data key

Reading needs a member whose key is unlocked in this request (session or API token)::

    record_key = open_record_key(request, organisation, report.sealed_key,
                                 audit_object=report)   # audited read
    text = record_key.decrypt_text(report.narrative, field="narrative", record=report.uuid)

    plaintext = open_for_member(request, organisation, sealed, audit_object=report)

A member's unlocked private key lives only in a ``KeyRing`` attached to the request; the
session keeps it encrypted under a key derived from the session cookie (see
``digiamen.accounts.session_store``), an API token under a key derived from its secret.
See docs/security-model.md for the whole design.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nacl.hash
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey

from digiamen.core import audit, crypto
from digiamen.core.crypto import DecryptionError
from digiamen.core.models import OrganisationKey, OrganisationKeyGrant, UserKeyPair

if TYPE_CHECKING:
    from digiamen.accounts.models import Organisation, User

ENVELOPE_MAGIC = b"DAk1"
SESSION_KEY_PURPOSE = b"session-user-key"


class AccessDenied(Exception):
    """This request holds no key that opens the data (not a member, or locked)."""


# --- Users -------------------------------------------------------------------------------------


def _wrap_purpose(user_id: int) -> bytes:
    return b"user-private-key:%d" % user_id


def create_user_key_pair(user: User, password: str) -> PrivateKey:
    """Give a new staff member a key pair wrapped by their password."""
    private_key = crypto.new_private_key()
    _store_wrapped_key(user, private_key, password, created=True)
    return private_key


def _store_wrapped_key(
    user: User, private_key: PrivateKey, password: str, *, created: bool
) -> None:
    kdf = crypto.PasswordKdf.new(settings.KDF_OPSLIMIT, settings.KDF_MEMLIMIT)
    wrapped = crypto.encrypt(
        kdf.derive(password), bytes(private_key), purpose=_wrap_purpose(user.pk)
    )
    values = {
        "public_key": bytes(private_key.public_key),
        "wrapped_private_key": wrapped,
        "kdf_salt": kdf.salt,
        "kdf_opslimit": kdf.opslimit,
        "kdf_memlimit": kdf.memlimit,
        "updated_at": timezone.now(),
    }
    if created:
        UserKeyPair.objects.create(user=user, **values)
    else:
        UserKeyPair.objects.filter(user=user).update(**values)


def unlock_user_key(user: User, password: str) -> PrivateKey:
    pair = UserKeyPair.objects.get(user=user)
    kdf = crypto.PasswordKdf(bytes(pair.kdf_salt), pair.kdf_opslimit, pair.kdf_memlimit)
    raw = crypto.decrypt(
        kdf.derive(password), bytes(pair.wrapped_private_key), purpose=_wrap_purpose(user.pk)
    )
    return crypto.private_key_from_bytes(raw)


def rewrap_user_key(user: User, private_key: PrivateKey, new_password: str) -> None:
    """After a password change: the same key pair, wrapped by the new password."""
    _store_wrapped_key(user, private_key, new_password, created=False)


def replace_user_key_pair(user: User, password: str) -> PrivateKey:
    """A fresh key pair for the member; the old wrapped private key is overwritten."""
    private_key = crypto.new_private_key()
    _store_wrapped_key(user, private_key, password, created=False)
    return private_key


def key_fingerprint(public_key: bytes) -> str:
    """A short, readable fingerprint of a public key, compared aloud or by another channel.

    96 bits of BLAKE2b (personalised for this use) in six groups of four hex digits: enough
    that nobody can make a second key with the same fingerprint, short enough to read out.
    """
    digest = nacl.hash.blake2b(
        bytes(public_key), digest_size=12, person=b"digiamen-keyfp", encoder=RawEncoder
    ).hex()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def user_key_fingerprint(user: User) -> str:
    return key_fingerprint(bytes(UserKeyPair.objects.get(user=user).public_key))


# --- Organisations -----------------------------------------------------------------------------


def recovery_public_key(recovery_seed: bytes) -> bytes:
    return bytes(crypto.private_key_from_seed(recovery_seed).public_key)


def new_recovery_seed() -> bytes:
    return crypto.random_key()


def initialise_organisation_keys(organisation: Organisation, recovery_seed: bytes) -> PrivateKey:
    """Make generation 1 of the organisation's key, sealed to its recovery key."""
    private_key = crypto.new_private_key()
    OrganisationKey.objects.create(
        organisation=organisation,
        version=1,
        public_key=bytes(private_key.public_key),
        sealed_previous_private_key=None,
        recovery_sealed_private_key=crypto.seal(
            recovery_public_key(recovery_seed), bytes(private_key)
        ),
    )
    return private_key


def current_organisation_key(organisation: Organisation) -> OrganisationKey:
    key = OrganisationKey.objects.filter(organisation=organisation).order_by("-version").first()
    if key is None:
        raise AccessDenied("organisation has no key")
    return key


def grant_organisation_key(
    organisation: Organisation, organisation_private_key: PrivateKey, user: User
) -> None:
    """Seal the organisation's current private key to a member's public key."""
    key = current_organisation_key(organisation)
    if bytes(organisation_private_key.public_key) != bytes(key.public_key):
        raise AccessDenied("not the organisation's current key")
    member_public_key = bytes(UserKeyPair.objects.get(user=user).public_key)
    OrganisationKeyGrant.objects.update_or_create(
        key=key,
        user=user,
        defaults={
            "sealed_private_key": crypto.seal(member_public_key, bytes(organisation_private_key))
        },
    )


def rotate_organisation_key(
    organisation: Organisation, current_private_key: PrivateKey, members: list[User]
) -> tuple[OrganisationKey, PrivateKey]:
    """A new key generation, granted to ``members`` only; older grants are removed.

    Everything sealed from now on opens only with the new key; the old private key travels
    inside the new generation so that the remaining members keep access to older records.
    """
    with transaction.atomic():
        current = (
            OrganisationKey.objects.select_for_update()
            .filter(organisation=organisation)
            .order_by("-version")
            .first()
        )
        if current is None or bytes(current_private_key.public_key) != bytes(current.public_key):
            raise AccessDenied("not the organisation's current key")
        new_private_key = crypto.new_private_key()
        new_key = OrganisationKey.objects.create(
            organisation=organisation,
            version=current.version + 1,
            public_key=bytes(new_private_key.public_key),
            sealed_previous_private_key=crypto.seal(
                bytes(new_private_key.public_key), bytes(current_private_key)
            ),
            recovery_sealed_private_key=crypto.seal(
                bytes(organisation.recovery_public_key), bytes(new_private_key)
            ),
        )
        OrganisationKeyGrant.objects.filter(key__organisation=organisation).delete()
        for member in members:
            grant_organisation_key(organisation, new_private_key, member)
        return new_key, new_private_key


def recovery_checksum(organisation: Organisation) -> str:
    return crypto.recovery_checksum(bytes(organisation.recovery_public_key))


def generation_private_keys(
    organisation: Organisation, current_private_key: PrivateKey
) -> dict[int, PrivateKey]:
    """Every generation's private key, walking back from the current one."""
    generations = list(
        OrganisationKey.objects.filter(organisation=organisation).order_by("-version")
    )
    if not generations or bytes(current_private_key.public_key) != bytes(generations[0].public_key):
        raise AccessDenied("not the organisation's current key")
    keys = {generations[0].version: current_private_key}
    private_key = current_private_key
    for newer, older in itertools.pairwise(generations):
        private_key = crypto.private_key_from_bytes(
            crypto.unseal(private_key, bytes(newer.sealed_previous_private_key or b""))
        )
        if bytes(private_key.public_key) != bytes(older.public_key):
            raise DecryptionError("a key generation does not match its public key")
        keys[older.version] = private_key
    return keys


def reseal_to_recovery_key(
    organisation: Organisation, current_private_key: PrivateKey, new_public_key: bytes
) -> int:
    """Seal every generation to a new recovery public key; the old seals are overwritten.

    Returns how many generations were re-sealed. Call inside a transaction that also stores
    ``new_public_key`` on the organisation.
    """
    keys = generation_private_keys(organisation, current_private_key)
    for version, private_key in keys.items():
        OrganisationKey.objects.filter(organisation=organisation, version=version).update(
            recovery_sealed_private_key=crypto.seal(new_public_key, bytes(private_key))
        )
    return len(keys)


def recover_organisation_key(organisation: Organisation, recovery_key_text: str) -> PrivateKey:
    """The organisation's current private key, opened with the offline recovery key."""
    seed = crypto.parse_recovery_key(recovery_key_text)
    if recovery_public_key(seed) != bytes(organisation.recovery_public_key):
        raise DecryptionError("this recovery key belongs to no such organisation")
    key = current_organisation_key(organisation)
    raw = crypto.unseal(crypto.private_key_from_seed(seed), bytes(key.recovery_sealed_private_key))
    return crypto.private_key_from_bytes(raw)


# --- The per-request key ring ------------------------------------------------------------------


@dataclass
class KeyRing:
    """The unlocked private key of the member behind this request, and what it opens."""

    user: Any
    private_key: PrivateKey
    _organisation_keys: dict[tuple[int, int], PrivateKey] = field(default_factory=dict)

    def organisation_private_key(
        self, organisation: Organisation, version: int | None = None
    ) -> PrivateKey:
        # A generation's private key never changes: once opened in this request, it serves
        # every record sealed to it without asking the database again (a case page opens
        # dozens of values, each naming its generation).
        if version is not None:
            known = self._organisation_keys.get((organisation.pk, version))
            if known is not None:
                return known
        # The current generation and this member's grant of it, in one query.
        current = (
            OrganisationKey.objects.filter(organisation=organisation)
            .annotate(
                member_grant=Subquery(
                    OrganisationKeyGrant.objects.filter(key=OuterRef("pk"), user=self.user)
                    .order_by()
                    .values("sealed_private_key")[:1]
                )
            )
            .order_by("-version")
            .first()
        )
        if current is None:
            raise AccessDenied("organisation has no key")
        target = current.version if version is None else version
        cached = self._organisation_keys.get((organisation.pk, target))
        if cached is not None:
            return cached
        granted = current.member_grant
        if granted is None:
            raise AccessDenied("no key grant for this member")
        private_key = crypto.private_key_from_bytes(crypto.unseal(self.private_key, bytes(granted)))
        self._organisation_keys[(organisation.pk, current.version)] = private_key
        if target == current.version:
            return private_key
        # Walk back through older generations, each holding its predecessor.
        generations = {
            key.version: key
            for key in OrganisationKey.objects.filter(
                organisation=organisation, version__gt=target, version__lte=current.version
            )
        }
        for version_number in range(current.version, target, -1):
            previous = crypto.unseal(
                private_key, bytes(generations[version_number].sealed_previous_private_key or b"")
            )
            private_key = crypto.private_key_from_bytes(previous)
            self._organisation_keys[(organisation.pk, version_number - 1)] = private_key
        return private_key


def keyring_for(request: HttpRequest) -> KeyRing:
    keyring = getattr(request, "keyring", None)
    if keyring is None:
        raise AccessDenied("no unlocked key in this request")
    if not isinstance(keyring, KeyRing):
        raise AccessDenied("no unlocked key in this request")
    return keyring


def store_session_key(request: HttpRequest, private_key: PrivateKey) -> None:
    """Keep the member's private key in the session, encrypted under the cookie's secret.

    Call after every session key change (login cycles it): the wrapping key derives from
    the session key, which only the cookie carries in clear.
    """
    session = request.session
    if session.session_key is None:
        session.save()
    wrapping_key = crypto.derive_key(str(session.session_key).encode(), purpose=SESSION_KEY_PURPOSE)
    session["wrapped_user_key"] = crypto.encrypt(
        wrapping_key, bytes(private_key), purpose=SESSION_KEY_PURPOSE
    ).hex()


def load_session_key(request: HttpRequest) -> PrivateKey | None:
    session = request.session
    wrapped = session.get("wrapped_user_key")
    if not wrapped or session.session_key is None:
        return None
    wrapping_key = crypto.derive_key(session.session_key.encode(), purpose=SESSION_KEY_PURPOSE)
    try:
        raw = crypto.decrypt(wrapping_key, bytes.fromhex(wrapped), purpose=SESSION_KEY_PURPOSE)
    except (DecryptionError, ValueError):
        return None
    return crypto.private_key_from_bytes(raw)


def wrap_for_token(secret: bytes, private_key: PrivateKey) -> bytes:
    return crypto.encrypt(
        crypto.derive_key(secret, purpose=b"api-token"), bytes(private_key), purpose=b"api-token"
    )


def unwrap_for_token(secret: bytes, wrapped: bytes) -> PrivateKey:
    raw = crypto.decrypt(
        crypto.derive_key(secret, purpose=b"api-token"), wrapped, purpose=b"api-token"
    )
    return crypto.private_key_from_bytes(raw)


# --- Records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKey:
    """A record's random data key, and the envelope (the key sealed to the organisation)."""

    data_key: bytes
    envelope: bytes

    def encrypt(self, value: str | bytes, *, field: str, record: str = "") -> bytes:
        plaintext = value.encode("utf-8") if isinstance(value, str) else value
        # Padded: narratives, contacts, notes and messages show only their size bucket.
        return crypto.encrypt(
            self.data_key, plaintext, purpose=_field_purpose(field, record), pad_to_bucket=True
        )

    def decrypt(self, blob: bytes, *, field: str, record: str = "") -> bytes:
        return crypto.decrypt(self.data_key, bytes(blob), purpose=_field_purpose(field, record))

    def decrypt_text(self, blob: bytes, *, field: str, record: str = "") -> str:
        return self.decrypt(blob, field=field, record=record).decode("utf-8")


def _field_purpose(field_name: str, record: str) -> bytes:
    return f"field:{field_name}:{record}".encode()


def new_record_key(organisation: Organisation) -> RecordKey:
    """A fresh data key sealed to the organisation's current public key. No secret needed."""
    key = current_organisation_key(organisation)
    data_key = crypto.random_key()
    envelope = (
        ENVELOPE_MAGIC
        + struct.pack(">I", key.version)
        + crypto.seal(bytes(key.public_key), data_key)
    )
    return RecordKey(data_key=data_key, envelope=envelope)


def _open_envelope(keyring: KeyRing, organisation: Organisation, envelope: bytes) -> RecordKey:
    envelope = bytes(envelope)
    if envelope[:4] != ENVELOPE_MAGIC or len(envelope) < 8:
        raise DecryptionError("not a record key envelope")
    (version,) = struct.unpack(">I", envelope[4:8])
    organisation_key = keyring.organisation_private_key(organisation, version)
    data_key = crypto.unseal(organisation_key, envelope[8:])
    return RecordKey(data_key=data_key, envelope=envelope)


def open_record_key(
    request: HttpRequest,
    organisation: Organisation,
    envelope: bytes,
    *,
    audit_object: Any,
    audit_action: str = "protected_data.read",
) -> RecordKey:
    """Open a record's data key for the member behind ``request``; the read is audited."""
    record_key = _open_envelope(keyring_for(request), organisation, envelope)
    audit.record(audit_action, actor=request.user, organisation=organisation, obj=audit_object)
    return record_key


def seal_for_organisation(organisation: Organisation, data: str | bytes) -> bytes:
    """Encrypt one value for the organisation (its own data key inside). No secret needed."""
    record_key = new_record_key(organisation)
    ciphertext = record_key.encrypt(data, field="sealed-value")
    return struct.pack(">I", len(record_key.envelope)) + record_key.envelope + ciphertext


def _split_sealed(sealed: bytes) -> tuple[bytes, bytes]:
    sealed = bytes(sealed)
    if len(sealed) < 4:
        raise DecryptionError("not a sealed value")
    (envelope_length,) = struct.unpack(">I", sealed[:4])
    return sealed[4 : 4 + envelope_length], sealed[4 + envelope_length :]


def open_many_for_member(
    request: HttpRequest,
    organisation: Organisation,
    sealed_values: list[bytes],
    *,
    audit_object: Any,
    audit_action: str = "protected_data.read",
) -> list[bytes]:
    """Open several values made by ``seal_for_organisation`` with one audit event."""
    keyring = keyring_for(request)
    opened = []
    for sealed in sealed_values:
        envelope, ciphertext = _split_sealed(sealed)
        record_key = _open_envelope(keyring, organisation, envelope)
        opened.append(record_key.decrypt(ciphertext, field="sealed-value"))
    audit.record(
        audit_action,
        actor=request.user,
        organisation=organisation,
        obj=audit_object,
        details={"values": len(opened)},
    )
    return opened


def open_for_member(
    request: HttpRequest,
    organisation: Organisation,
    sealed: bytes,
    *,
    audit_object: Any = None,
    audit_action: str = "protected_data.read",
) -> bytes:
    """Open a value made by ``seal_for_organisation``; the read is audited."""
    envelope, ciphertext = _split_sealed(sealed)
    record_key = _open_envelope(keyring_for(request), organisation, envelope)
    plaintext = record_key.decrypt(ciphertext, field="sealed-value")
    audit.record(audit_action, actor=request.user, organisation=organisation, obj=audit_object)
    return plaintext
