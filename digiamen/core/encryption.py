"""Application-level encryption: the interface the other apps use.

Writing needs no secret::

    record_key = new_record_key(organisation)           # random data key, sealed to the org
    report.sealed_key = record_key.envelope
    report.narrative = record_key.encrypt(text, field="narrative", record=report.uuid)

    sealed = seal_for_organisation(organisation, b"...", place=Place.of(note, "body", case))

Reading needs a member whose key is unlocked in this request (session or API token)::

    record_key = open_record_key(request, organisation, report.sealed_key,
                                 audit_object=report)   # audited read
    text = record_key.decrypt_text(report.narrative, field="narrative", record=report.uuid)

    plaintext = open_for_member(request, organisation, sealed, place=..., audit_object=report)

A member's unlocked private key lives only in a ``KeyRing`` attached to the request; the
session keeps it encrypted under a key derived from the session cookie (see
``digiamen.accounts.session_store``), an API token under a key derived from its secret.
Closing a case seals its envelopes once more to a purge period key ("DAp1" envelopes, see
"Purge periods" below); the readers above open both kinds, so callers need not know.
See docs/security-model.md for the whole design.
"""

from __future__ import annotations

import copy
import itertools
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import nacl.hash
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey

from digiamen.core import audit, crypto, key_signing, signals
from digiamen.core.crypto import DecryptionError
from digiamen.core.models import (
    CaseworkKey,
    CaseworkKeyGrant,
    KeyCircle,
    OrganisationKey,
    OrganisationKeyGrant,
    PurgePeriodKey,
    UserKeyPair,
)
from digiamen.core.process_cache import ProcessCache

if TYPE_CHECKING:
    from digiamen.accounts.models import Organisation, User

ENVELOPE_MAGIC = b"DAk1"
# A record key sealed to the organisation's casework key (see "Casework keys" below).
CASEWORK_ENVELOPE_MAGIC = b"DAc1"
# A record key of an assigned case: sealed to the supervision key and to the assignee's own
# public key (see "Assigned cases" below).
ASSIGNED_ENVELOPE_MAGIC = b"DAs1"
# An envelope sealed once more to a purge period's key (see "Purge periods" below).
PURGE_ENVELOPE_MAGIC = b"DAp1"
SESSION_KEY_PURPOSE = b"session-user-key"


_Generation = TypeVar("_Generation", OrganisationKey, CaseworkKey)


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
    """Make generation 1 of the organisation's key, sealed to its recovery key and signed by
    itself; the organisation refuses unsigned key rows from the start."""
    private_key = crypto.new_private_key()
    key = OrganisationKey(
        organisation=organisation,
        version=1,
        public_key=bytes(private_key.public_key),
        sealed_previous_private_key=None,
        recovery_sealed_private_key=crypto.seal(
            recovery_public_key(recovery_seed), bytes(private_key)
        ),
    )
    key_signing.sign_generation(key, private_key, None)
    key.save()
    organisation.keys_signed_at = timezone.now()
    organisation.save(update_fields=["keys_signed_at"])
    key_signing.anchor_organisation(organisation)
    return private_key


def current_organisation_key(organisation: Organisation) -> OrganisationKey:
    """The newest generation whose signatures verify from generation 1 (any newest one in a
    legacy organisation): new reports are sealed to it, rotations start from it. A newer row
    that does not verify was not made by a holder of the key and is ignored."""
    generations = key_signing.trusted_generations(organisation)
    if not generations:
        raise AccessDenied("organisation has no key")
    return generations[-1]


def organisation_and_current_key(organisation_id: int) -> tuple[Organisation, OrganisationKey]:
    """The organisation as it is now and ``current_organisation_key`` of it, in one query:
    intake reads both for every report (a surge's round trips). The same trust rules apply
    (signatures, rollback); the generations' sealed private keys are not fetched."""
    rows = list(
        OrganisationKey.objects.select_related("organisation")
        .defer("sealed_previous_private_key", "recovery_sealed_private_key")
        .filter(organisation_id=organisation_id)
        .order_by("version")
    )
    if not rows:
        raise AccessDenied("organisation has no key")
    organisation = rows[0].organisation
    generations = key_signing.split_generations(organisation, rows)[0]
    if not generations:
        raise AccessDenied("organisation has no key")
    return organisation, generations[-1]


def organisation_and_case_key(
    organisation_id: int,
) -> tuple[Organisation, CaseworkKey | OrganisationKey]:
    """The organisation as it is now and the key its case data is sealed to (the casework
    key; the organisation key while it has none, ``new_case_record_key``), in one query.

    Intake reads both for every report. The organisation is read fresh, with how many key
    rows of each kind it has and the newest of each: a new generation, a row removed or a
    trust field of the organisation changed (anchor, recovery key, signing, migration)
    makes a new entry, read and verified as before (``_verified_case_key``). Key rows are
    otherwise written once (a rewrite of their recovery seals is not read here), so the
    key this process verified for the same rows is still the one to seal to."""
    organisation = _organisation_with_key_rows(organisation_id)
    shape = (
        organisation_id,
        organisation.casework_rows,  # type: ignore[attr-defined]
        organisation.newest_casework_row,  # type: ignore[attr-defined]
        organisation.organisation_rows,  # type: ignore[attr-defined]
        organisation.newest_organisation_row,  # type: ignore[attr-defined]
        bytes(organisation.key_anchor or b""),
        bytes(organisation.recovery_public_key or b""),
        organisation.keys_signed_at,
        organisation.case_keys_migrated_at,
    )
    key = copy.copy(_case_keys.get_or_load(shape, lambda: _verified_case_key(organisation_id)))
    key.organisation = organisation
    return organisation, key


# The key rows of each organisation as verified, by what its rows looked like then. Public
# keys only: nothing secret.
_case_keys = ProcessCache[CaseworkKey | OrganisationKey](ttl=math.inf)


def _organisation_with_key_rows(organisation_id: int) -> Organisation:
    organisation_model = apps.get_model("accounts", "Organisation")  # core sits below accounts
    casework_keys = CaseworkKey._meta.db_table
    organisation_keys = OrganisationKey._meta.db_table
    rows = list(
        organisation_model.objects.raw(
            # Table names from the models' own metadata; values are parameters.
            f"""
            SELECT o.*,
              (SELECT COUNT(*) FROM {casework_keys} k
                WHERE k.organisation_id = o.id AND k.circle = %s) AS casework_rows,
              (SELECT MAX(k.id) FROM {casework_keys} k
                WHERE k.organisation_id = o.id AND k.circle = %s) AS newest_casework_row,
              (SELECT COUNT(*) FROM {organisation_keys} g
                WHERE g.organisation_id = o.id) AS organisation_rows,
              (SELECT MAX(g.id) FROM {organisation_keys} g
                WHERE g.organisation_id = o.id) AS newest_organisation_row
            FROM {organisation_model._meta.db_table} o WHERE o.id = %s
            """,  # noqa: S608
            [KeyCircle.CASEWORK, KeyCircle.CASEWORK, organisation_id],
        )
    )
    if not rows:
        raise AccessDenied("no such organisation")
    return rows[0]


def _verified_case_key(organisation_id: int) -> CaseworkKey | OrganisationKey:
    rows = list(
        CaseworkKey.objects.select_related("organisation")
        .defer("recovery_sealed_private_key")
        .filter(organisation_id=organisation_id, circle=KeyCircle.CASEWORK)
        .order_by("version")
    )
    if not rows:
        return organisation_and_current_key(organisation_id)[1]
    trusted = key_signing.trusted_casework_generations(rows[0].organisation, rows)
    if not trusted:
        raise AccessDenied("organisation has no trusted casework key")
    return trusted[-1]


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
        rows = list(
            OrganisationKey.objects.select_for_update()
            .filter(organisation=organisation)
            .order_by("version")
        )
        trusted, refused = key_signing.split_generations(organisation, rows)
        current = trusted[-1] if trusted else None
        if current is None or bytes(current_private_key.public_key) != bytes(current.public_key):
            raise AccessDenied("not the organisation's current key")
        if refused:
            # Rows no holder of the key made (nothing was ever sealed to them): they would
            # take the new generation's version number.
            OrganisationKey.objects.filter(pk__in=[row.pk for row in refused]).delete()
        new_private_key = crypto.new_private_key()
        new_key = OrganisationKey(
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
        # Signed with the current generation's key: only a holder of it makes a successor.
        key_signing.sign_generation(new_key, new_private_key, current_private_key)
        new_key.save()
        OrganisationKeyGrant.objects.filter(key__organisation=organisation).delete()
        for member in members:
            grant_organisation_key(organisation, new_private_key, member)
        signals.organisation_key_rotated.send(
            sender=OrganisationKey, organisation=organisation, version=new_key.version
        )
        return new_key, new_private_key


def recovery_checksum(organisation: Organisation) -> str:
    return crypto.recovery_checksum(bytes(organisation.recovery_public_key))


def generation_private_keys(
    organisation: Organisation, current_private_key: PrivateKey
) -> dict[int, PrivateKey]:
    """Every trusted generation's private key, walking back from the current one."""
    return walk_generation_keys(
        key_signing.trusted_generations(organisation)[::-1], current_private_key
    )


def walk_generation_keys(
    generations: list[OrganisationKey], current_private_key: PrivateKey
) -> dict[int, PrivateKey]:
    """Each of ``generations`` (newest first) opened from its successor, checked against its
    public key; the first must be ``current_private_key``'s."""
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
    # Per organisation and circle: every generation this member holds, opened (version -> key).
    _casework_keys: dict[tuple[int, str], dict[int, PrivateKey]] = field(default_factory=dict)
    _casework_current: dict[tuple[int, str], int] = field(default_factory=dict)

    def casework_private_keys(
        self, organisation: Organisation, circle: str = KeyCircle.CASEWORK
    ) -> dict[int, PrivateKey]:
        """Every trusted generation of ``circle`` granted to this member, opened (one query)."""
        known = self._casework_keys.get((organisation.pk, circle))
        if known is not None:
            return known
        rows = _with_member_grant(
            CaseworkKey, CaseworkKeyGrant, organisation, self.user, circle=circle
        )
        opened: dict[int, PrivateKey] = {}
        trusted = key_signing.trusted_casework_generations(organisation, rows)
        if trusted:
            self._casework_current[(organisation.pk, circle)] = trusted[-1].version
        for row in trusted:
            granted = getattr(row, "member_grant", None)
            if granted is None:
                continue
            private_key = crypto.private_key_from_bytes(
                crypto.unseal(self.private_key, bytes(granted))
            )
            if bytes(private_key.public_key) != bytes(row.public_key):
                raise DecryptionError("a casework key does not match its public key")
            opened[row.version] = private_key
        self._casework_keys[(organisation.pk, circle)] = opened
        return opened

    def current_casework_private_key(
        self, organisation: Organisation, circle: str = KeyCircle.CASEWORK
    ) -> PrivateKey | None:
        """The newest generation of ``circle``, if this member holds it (None: no such key
        yet, or one they are still waiting for)."""
        held = self.casework_private_keys(organisation, circle)
        current = self._casework_current.get((organisation.pk, circle))
        return held.get(current) if current is not None else None

    def casework_private_key(
        self, organisation: Organisation, version: int, circle: str = KeyCircle.CASEWORK
    ) -> PrivateKey:
        private_key = self.casework_private_keys(organisation, circle).get(version)
        if private_key is None:
            raise AccessDenied(f"no {circle} key grant for this member")
        return private_key

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
        # Every generation with this member's grant of it, in one query; the newest whose
        # signatures verify is the current one (never a row added by hand).
        rows = _with_member_grant(OrganisationKey, OrganisationKeyGrant, organisation, self.user)
        generations = {
            key.version: key for key in key_signing.split_generations(organisation, rows)[0]
        }
        if not generations:
            raise AccessDenied("organisation has no key")
        current = generations[max(generations)]
        target = current.version if version is None else version
        cached = self._organisation_keys.get((organisation.pk, target))
        if cached is not None:
            return cached
        granted = getattr(current, "member_grant", None)
        if granted is None:
            raise AccessDenied("no key grant for this member")
        private_key = crypto.private_key_from_bytes(crypto.unseal(self.private_key, bytes(granted)))
        self._organisation_keys[(organisation.pk, current.version)] = private_key
        if target >= current.version:
            return private_key
        if target not in generations:
            raise AccessDenied("no such key generation")
        # Walk back through older generations, each holding its predecessor.
        newest_first = [generations[v] for v in sorted(generations, reverse=True) if v >= target]
        for version_number, key in walk_generation_keys(newest_first, private_key).items():
            self._organisation_keys[(organisation.pk, version_number)] = key
        return self._organisation_keys[(organisation.pk, target)]


def _with_member_grant(
    key_model: type[_Generation],
    grant_model: Any,
    organisation: Organisation,
    user: Any,
    **only: str,
) -> list[_Generation]:
    """Every generation of ``organisation`` (``only``: of one circle), oldest first, each with
    ``member_grant``: the private key sealed to ``user`` (None where they hold no grant of
    it). One query."""
    grants = grant_model.objects.filter(key=OuterRef("pk"), user=user).order_by()
    return list(
        key_model.objects.filter(organisation=organisation, **only)
        .annotate(member_grant=Subquery(grants.values("sealed_private_key")[:1]))
        .order_by("version")
    )


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
    try:
        raw = crypto.decrypt_derived(
            session.session_key.encode(),
            bytes.fromhex(wrapped),
            key_purpose=SESSION_KEY_PURPOSE,
            purpose=SESSION_KEY_PURPOSE,
        )
    except (DecryptionError, ValueError):
        return None
    return crypto.private_key_from_bytes(raw)


def wrap_for_token(secret: bytes, private_key: PrivateKey) -> bytes:
    return crypto.encrypt(
        crypto.derive_key(secret, purpose=b"api-token"), bytes(private_key), purpose=b"api-token"
    )


def unwrap_for_token(secret: bytes, wrapped: bytes) -> PrivateKey:
    raw = crypto.decrypt_derived(secret, wrapped, key_purpose=b"api-token", purpose=b"api-token")
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


def new_record_key(organisation: Organisation, key: OrganisationKey | None = None) -> RecordKey:
    """A fresh data key sealed to the organisation's current public key (``key``, when the
    caller has just read it with ``organisation_and_current_key``). No secret needed."""
    if key is None:
        key = current_organisation_key(organisation)
    elif key.organisation_id != organisation.pk:
        raise AccessDenied("not the organisation's key")
    data_key = crypto.random_key()
    return RecordKey(data_key=data_key, envelope=organisation_envelope(key, data_key))


def organisation_envelope(key: OrganisationKey, data_key: bytes) -> bytes:
    return (
        ENVELOPE_MAGIC
        + struct.pack(">I", key.version)
        + crypto.seal(bytes(key.public_key), data_key)
    )


# --- Casework keys ------------------------------------------------------------------------------
#
# Case data (reports, notes, messages, case copies sent to other organisations) is sealed to
# the organisation's *casework* key ("DAc1" envelopes), which only caseworkers and
# supervisors hold. Every other role holds the organisation key only, which opens what
# they need (e.g. the safeguarding self-assessment) and no case data. Generations are
# independent key pairs, each granted directly to its holders and to the recovery key;
# ``accounts.casework_keys`` decides who is granted what and when.


def trusted_casework_generations(
    organisation: Organisation, circle: str = KeyCircle.CASEWORK
) -> list[CaseworkKey]:
    rows = list(
        CaseworkKey.objects.filter(organisation=organisation, circle=circle).order_by("version")
    )
    return key_signing.trusted_casework_generations(organisation, rows)


def current_casework_key(
    organisation: Organisation, circle: str = KeyCircle.CASEWORK
) -> CaseworkKey | None:
    generations = trusted_casework_generations(organisation, circle)
    return generations[-1] if generations else None


def create_casework_generation(
    organisation: Organisation,
    organisation_private_key: PrivateKey,
    members: list[User],
    circle: str = KeyCircle.CASEWORK,
) -> CaseworkKey:
    """A new generation of ``circle``'s key, signed with the organisation key and granted to
    ``members`` (their public keys are all it needs: the caller never holds the new key
    after this call). Older generations stay with whoever holds them."""
    with transaction.atomic():
        organisation_key = current_organisation_key(organisation)
        if bytes(organisation_private_key.public_key) != bytes(organisation_key.public_key):
            raise AccessDenied("not the organisation's current key")
        newest = (
            CaseworkKey.objects.select_for_update()
            .filter(organisation=organisation, circle=circle)
            .order_by("-version")
            .first()
        )
        private_key = crypto.new_private_key()
        key = CaseworkKey(
            organisation=organisation,
            circle=circle,
            version=(newest.version if newest else 0) + 1,
            public_key=bytes(private_key.public_key),
            recovery_sealed_private_key=crypto.seal(
                bytes(organisation.recovery_public_key), bytes(private_key)
            ),
            recovery_public_key=bytes(organisation.recovery_public_key),
        )
        key_signing.sign_casework_generation(
            key, organisation_private_key, organisation_key.version
        )
        key.save()
        public_keys = dict(
            UserKeyPair.objects.filter(user__in=members).values_list("user_id", "public_key")
        )
        CaseworkKeyGrant.objects.bulk_create(
            CaseworkKeyGrant(
                key=key,
                user_id=user_id,
                sealed_private_key=crypto.seal(bytes(public_key), bytes(private_key)),
            )
            for user_id, public_key in public_keys.items()
        )
        if circle == KeyCircle.CASEWORK:
            # What derives from the current key (duplicate hints) follows it.
            signals.organisation_key_rotated.send(
                sender=CaseworkKey, organisation=organisation, version=key.version
            )
        return key


def grant_casework_keys(
    keyring: KeyRing, organisation: Organisation, user: User, circle: str = KeyCircle.CASEWORK
) -> int:
    """Seal every generation of ``circle`` that ``keyring`` holds to ``user``. Returns how
    many were new. The caller decides that ``user`` may hold them (a signed role)."""
    member_public_key = bytes(UserKeyPair.objects.get(user=user).public_key)
    mine = keyring.casework_private_keys(organisation, circle)
    held = set(
        CaseworkKeyGrant.objects.filter(
            key__organisation=organisation, key__circle=circle, user=user
        ).values_list("key__version", flat=True)
    )
    keys = {
        key.version: key
        for key in CaseworkKey.objects.filter(
            organisation=organisation,
            circle=circle,
            version__in=[v for v in mine if v not in held],
        )
    }
    for version, key in keys.items():
        private_key = mine[version]
        CaseworkKeyGrant.objects.create(
            key=key,
            user=user,
            sealed_private_key=crypto.seal(member_public_key, bytes(private_key)),
        )
    return len(keys)


def new_case_record_key(
    organisation: Organisation, key: CaseworkKey | OrganisationKey | None = None
) -> RecordKey:
    """A fresh data key for case data, sealed to the current casework key (``key``, when
    the caller has just read it with ``organisation_and_case_key``). No secret needed.

    An organisation that has no casework key yet (made before it existed, or no casework
    member yet) seals to the organisation key as before; the migration moves such
    envelopes over when its first casework key holder signs in (``cases.key_migration``).
    """
    if isinstance(key, OrganisationKey):
        return new_record_key(organisation, key)
    if key is None:
        key = current_casework_key(organisation)
    elif key.organisation_id != organisation.pk:
        raise AccessDenied("not the organisation's key")
    if key is None:
        return new_record_key(organisation)
    data_key = crypto.random_key()
    return RecordKey(data_key=data_key, envelope=casework_envelope(key, data_key))


def casework_envelope(key: CaseworkKey, data_key: bytes) -> bytes:
    return (
        CASEWORK_ENVELOPE_MAGIC
        + struct.pack(">I", key.version)
        + crypto.seal(bytes(key.public_key), data_key)
    )


def reseal_to_casework(
    keyring: KeyRing, organisation: Organisation, envelope: bytes, key: CaseworkKey
) -> bytes:
    """The same data key, sealed to casework generation ``key`` instead of the organisation
    key; a purge-wrapped envelope stays wrapped to the same period key. Any other envelope
    (already casework, empty) is returned as it is."""
    stored = bytes(envelope)
    if is_purge_wrapped(stored):
        (key_id,) = struct.unpack(">I", stored[4:8])
        inner = unwrap_purge_envelope(keyring, organisation, stored)
        if inner[:4] != ENVELOPE_MAGIC:
            return stored
        period_key = PurgePeriodKey.objects.get(pk=key_id, organisation=organisation)
        return wrap_for_purge(reseal_to_casework(keyring, organisation, inner, key), period_key)
    if stored[:4] != ENVELOPE_MAGIC:
        return stored
    data_key = _open_envelope(keyring, organisation, stored).data_key
    return casework_envelope(key, data_key)


def reseal_value_to_casework(
    keyring: KeyRing, organisation: Organisation, sealed: bytes | None, key: CaseworkKey
) -> bytes | None:
    """``reseal_to_casework`` for a value made by ``seal_for_organisation``."""
    if not sealed:
        return sealed
    envelope, ciphertext = _split_sealed(bytes(sealed))
    return join_sealed(reseal_to_casework(keyring, organisation, envelope, key), ciphertext)


def recover_casework_keys(
    organisation: Organisation, recovery_key_text: str, circle: str = KeyCircle.CASEWORK
) -> dict[int, PrivateKey]:
    """Every trusted generation of ``circle``, opened with the offline recovery key."""
    seed = crypto.parse_recovery_key(recovery_key_text)
    if recovery_public_key(seed) != bytes(organisation.recovery_public_key):
        raise DecryptionError("this recovery key belongs to no such organisation")
    recovery_private_key = crypto.private_key_from_seed(seed)
    return {
        key.version: crypto.private_key_from_bytes(
            crypto.unseal(recovery_private_key, bytes(key.recovery_sealed_private_key))
        )
        for key in trusted_casework_generations(organisation, circle)
    }


def reseal_casework_to_recovery_key(
    organisation: Organisation,
    private_keys: dict[int, PrivateKey],
    new_public_key: bytes,
    circle: str = KeyCircle.CASEWORK,
) -> None:
    for key in CaseworkKey.objects.filter(
        organisation=organisation, circle=circle, version__in=private_keys
    ):
        key.recovery_sealed_private_key = crypto.seal(
            new_public_key, bytes(private_keys[key.version])
        )
        key.recovery_public_key = new_public_key
        key.save(update_fields=["recovery_sealed_private_key", "recovery_public_key"])


# --- Assigned cases ----------------------------------------------------------------------------
#
# Once a case is assigned, its data keys are sealed to the supervision key (supervisors only)
# and to the assignee's own public key instead of the casework key: another caseworker's
# password and a copy of the database open nothing of it. Assigning, reassigning and a
# holder's new key pair seal the case's envelopes again (``cases.assignment_keys``).
# "DAs1" envelope: magic, supervision generation (4 bytes), assignee's user id (8 bytes, 0:
# nobody but supervisors), length of the supervision box (2 bytes), the box sealed to the
# supervision key, the box sealed to the assignee (empty for 0).


@dataclass(frozen=True)
class CaseRecipients:
    """Who a case's data keys are sealed to (``accounts.casework_keys.case_recipients``)."""

    casework: CaseworkKey | None
    supervision: CaseworkKey | None = None
    assignee_id: int | None = None
    assignee_public_key: bytes = b""

    @property
    def assigned(self) -> bool:
        return self.supervision is not None

    def envelope_for(self, organisation: Organisation, data_key: bytes) -> bytes:
        if self.supervision is not None:
            return assigned_envelope(
                self.supervision, self.assignee_id, self.assignee_public_key, data_key
            )
        if self.casework is not None:
            return casework_envelope(self.casework, data_key)
        return organisation_envelope(current_organisation_key(organisation), data_key)

    def holds(self, envelope: bytes) -> bool:
        """Whether ``envelope`` (not purge-wrapped) is already sealed to these recipients."""
        if self.supervision is not None:
            return envelope[:4] == ASSIGNED_ENVELOPE_MAGIC and envelope[4:16] == struct.pack(
                ">IQ", self.supervision.version, self.assignee_id or 0
            )
        if self.casework is not None:
            return envelope[:8] == CASEWORK_ENVELOPE_MAGIC + struct.pack(
                ">I", self.casework.version
            )
        return envelope[:4] == ENVELOPE_MAGIC

    def record_key(self, organisation: Organisation) -> RecordKey:
        """A fresh data key sealed to these recipients."""
        data_key = crypto.random_key()
        return RecordKey(data_key=data_key, envelope=self.envelope_for(organisation, data_key))

    def seal(self, organisation: Organisation, data: str | bytes, *, place: Place) -> bytes:
        """One value sealed to these recipients (``seal_for_casework``'s format)."""
        return _seal_with(self.record_key(organisation), data, place)


def assigned_envelope(
    supervision: CaseworkKey, assignee_id: int | None, assignee_public_key: bytes, data_key: bytes
) -> bytes:
    supervision_box = crypto.seal(bytes(supervision.public_key), data_key)
    assignee_box = crypto.seal(assignee_public_key, data_key) if assignee_id else b""
    return (
        ASSIGNED_ENVELOPE_MAGIC
        + struct.pack(">IQH", supervision.version, assignee_id or 0, len(supervision_box))
        + supervision_box
        + assignee_box
    )


def _open_assigned(keyring: KeyRing, organisation: Organisation, envelope: bytes) -> bytes:
    if len(envelope) < 18:
        raise DecryptionError("not a record key envelope")
    version, assignee_id, box_length = struct.unpack(">IQH", envelope[4:18])
    supervision_box = envelope[18 : 18 + box_length]
    assignee_box = envelope[18 + box_length :]
    if assignee_id and assignee_id == keyring.user.pk and assignee_box:
        try:
            return crypto.unseal(keyring.private_key, assignee_box)
        except DecryptionError:
            pass  # sealed to a key pair of theirs renewed since: the supervisors re-seal it
    private_key = keyring.casework_private_key(organisation, version, KeyCircle.SUPERVISION)
    return crypto.unseal(private_key, supervision_box)


def reseal_envelope(
    keyring: KeyRing,
    organisation: Organisation,
    envelope: bytes,
    recipients: CaseRecipients,
    *,
    force: bool = False,
) -> bytes:
    """The same data key, sealed to ``recipients``; a purge-wrapped envelope stays wrapped to
    the same period key. An envelope already sealed to them is returned as it is (``force``:
    sealed again all the same, e.g. after the assignee's key pair was renewed)."""
    stored = bytes(envelope)
    if not stored:
        return stored
    if is_purge_wrapped(stored):
        (key_id,) = struct.unpack(">I", stored[4:8])
        inner = unwrap_purge_envelope(keyring, organisation, stored)
        resealed = reseal_envelope(keyring, organisation, inner, recipients, force=force)
        if resealed == inner:
            return stored
        period_key = PurgePeriodKey.objects.get(pk=key_id, organisation=organisation)
        return wrap_for_purge(resealed, period_key)
    if recipients.holds(stored) and not force:
        return stored
    data_key = _open_envelope(keyring, organisation, stored).data_key
    return recipients.envelope_for(organisation, data_key)


def _open_envelope(keyring: KeyRing, organisation: Organisation, envelope: bytes) -> RecordKey:
    stored = bytes(envelope)
    envelope = unwrap_purge_envelope(keyring, organisation, stored)
    if envelope[:4] == ASSIGNED_ENVELOPE_MAGIC:
        return RecordKey(data_key=_open_assigned(keyring, organisation, envelope), envelope=stored)
    if envelope[:4] not in (ENVELOPE_MAGIC, CASEWORK_ENVELOPE_MAGIC) or len(envelope) < 8:
        raise DecryptionError("not a record key envelope")
    (version,) = struct.unpack(">I", envelope[4:8])
    if envelope[:4] == CASEWORK_ENVELOPE_MAGIC:
        private_key = keyring.casework_private_key(organisation, version)
    else:
        private_key = keyring.organisation_private_key(organisation, version)
    data_key = crypto.unseal(private_key, envelope[8:])
    return RecordKey(data_key=data_key, envelope=stored)


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


# --- Sealed values bound to their place ------------------------------------------------------
#
# A value sealed on its own (a note, a task title, a referral reason...) is
# ``len(envelope) + envelope + ciphertext``. The ciphertext's associated data names where the
# value belongs: its table, column and row, and the record it is shown under (the case, the
# report, the assessment). Moved to another row or another case by someone who can write to
# the database, it no longer opens: the page shows it as tampered with, and the read is
# audited. Values written before binding existed (no leading ``BOUND``) still open, and are
# bound to the place they are opened from by the first member who opens them
# (``manage.py sealed_values`` counts those left).

BOUND = b"B"  # before a bound ciphertext; an unbound one starts with crypto's version byte


class TamperedValue(DecryptionError):
    """A sealed value that does not open where it was found: moved, swapped or altered."""


@dataclass(frozen=True)
class Place:
    """Where a sealed value lives: ``table.column`` of ``row``, shown under ``owner``.

    ``bind_row`` False binds the value to its owner only, for values that are carried
    from row to row by design (a safeguarding answer's note, copied into the next
    assessment, is bound to its organisation and question)."""

    table: str
    column: str
    row: int
    owner: str
    bind_row: bool = True

    @classmethod
    def of(cls, row: Any, column: str, owner: Any = None) -> Place:
        """The place of ``row.column``, shown under ``owner`` (the row itself by default)."""
        owner = row if owner is None else owner
        if row.pk is None or owner.pk is None:
            raise ValueError("a sealed value is bound to a saved row")
        return cls(row._meta.label_lower, column, row.pk, f"{owner._meta.label_lower}#{owner.pk}")

    def associated_data(self) -> str:
        row = self.row if self.bind_row else "*"
        return f"{self.table}.{self.column}#{row}@{self.owner}"


def seal_for_organisation(organisation: Organisation, data: str | bytes, *, place: Place) -> bytes:
    """Encrypt one value for the organisation (its own data key inside). No secret needed."""
    return _seal_with(new_record_key(organisation), data, place)


def seal_for_casework(organisation: Organisation, data: str | bytes, *, place: Place) -> bytes:
    """Encrypt one value of case data: only holders of the casework key open it."""
    return _seal_with(new_case_record_key(organisation), data, place)


def _seal_with(record_key: RecordKey, data: str | bytes, place: Place) -> bytes:
    ciphertext = BOUND + record_key.encrypt(
        data, field="sealed-value", record=place.associated_data()
    )
    return join_sealed(record_key.envelope, ciphertext)


def store_sealed(row: Any, column: str, seal: Callable[[Place], bytes], owner: Any = None) -> None:
    """Seal a value for ``row.column`` (saved first, so that its place is known) and write
    it: ``seal`` receives the place and returns the sealed value."""
    value = seal(Place.of(row, column, owner))
    setattr(row, column, value)
    type(row).objects.filter(pk=row.pk).update(**{column: value})


def is_bound(sealed: bytes) -> bool:
    return _split_sealed(sealed)[1][:1] == BOUND


def _split_sealed(sealed: bytes) -> tuple[bytes, bytes]:
    sealed = bytes(sealed)
    if len(sealed) < 4:
        raise DecryptionError("not a sealed value")
    (envelope_length,) = struct.unpack(">I", sealed[:4])
    return sealed[4 : 4 + envelope_length], sealed[4 + envelope_length :]


split_sealed = _split_sealed


def decrypt_sealed_value(record_key: RecordKey, ciphertext: bytes, place: Place) -> bytes:
    """A sealed value's ciphertext opened with its data key, bound to ``place`` (or from
    before binding). Raises DecryptionError if it belongs elsewhere."""
    if ciphertext[:1] == BOUND:
        return record_key.decrypt(
            ciphertext[1:], field="sealed-value", record=place.associated_data()
        )
    return record_key.decrypt(ciphertext, field="sealed-value")


@dataclass
class _Opened:
    plaintext: bytes | None  # None: tampered with
    rebound: bytes | None = None  # an unbound value, now bound to its place


def _open_value(
    keyring: KeyRing, organisation: Organisation, sealed: bytes, place: Place
) -> _Opened:
    """Open one sealed value found at ``place``. The envelope's failures (no key, a removed
    member) are raised as before; a ciphertext that does not open here is tampered with."""
    envelope, ciphertext = _split_sealed(sealed)
    record_key = _open_envelope(keyring, organisation, envelope)
    try:
        plaintext = decrypt_sealed_value(record_key, ciphertext, place)
    except DecryptionError:
        return _Opened(None)
    if ciphertext[:1] == BOUND:
        return _Opened(plaintext)
    bound = BOUND + record_key.encrypt(
        plaintext, field="sealed-value", record=place.associated_data()
    )
    return _Opened(plaintext, join_sealed(envelope, bound))


def _settle(
    request: HttpRequest | None,
    organisation: Organisation,
    places: list[Place],
    originals: list[bytes],
    opened: list[_Opened],
    audit_object: Any,
) -> None:
    """Bind the unbound values just opened to their place; audit the tampered ones."""
    for place, original, result in zip(places, originals, opened, strict=True):
        if result.rebound is not None:
            model = apps.get_model(place.table)
            # Only if the row still holds what was opened (a concurrent change wins).
            model.objects.filter(pk=place.row, **{place.column: original}).update(
                **{place.column: result.rebound}
            )
        if result.plaintext is None:
            audit.record(
                "protected_data.tampered",
                actor=getattr(request, "user", None),
                organisation=organisation,
                obj=audit_object,
                details={"table": place.table, "column": place.column, "row": place.row},
            )


def open_many_for_member(
    request: HttpRequest,
    organisation: Organisation,
    sealed_values: list[tuple[bytes, Place]],
    *,
    audit_object: Any,
    audit_action: str = "protected_data.read",
) -> list[bytes | None]:
    """Open several values made by ``seal_for_organisation``, each where it was found, with
    one audit event. A value that does not belong there comes back as None (audited)."""
    keyring = keyring_for(request)
    originals = [bytes(sealed) for sealed, _place in sealed_values]
    places = [place for _sealed, place in sealed_values]
    opened = [
        _open_value(keyring, organisation, sealed, place)
        for sealed, place in zip(originals, places, strict=True)
    ]
    audit.record(
        audit_action,
        actor=request.user,
        organisation=organisation,
        obj=audit_object,
        details={"values": len(opened)},
    )
    _settle(request, organisation, places, originals, opened, audit_object)
    return [result.plaintext for result in opened]


def open_for_member(
    request: HttpRequest,
    organisation: Organisation,
    sealed: bytes,
    *,
    place: Place,
    audit_object: Any = None,
    audit_action: str = "protected_data.read",
) -> bytes:
    """Open a value made by ``seal_for_organisation``; the read is audited. Raises
    ``TamperedValue`` (audited too) when it does not belong to ``place``."""
    (opened,) = open_many_for_member(
        request,
        organisation,
        [(sealed, place)],
        audit_object=audit_object,
        audit_action=audit_action,
    )
    if opened is None:
        raise TamperedValue(place.associated_data())
    return opened


def join_sealed(envelope: bytes, ciphertext: bytes) -> bytes:
    """The inverse of ``_split_sealed``: a value made by ``seal_for_organisation``."""
    return struct.pack(">I", len(envelope)) + envelope + ciphertext


# --- Purge periods (crypto-shredding) ------------------------------------------------------------
#
# Closing a case seals each of its envelopes once more, to the key of the month in which
# retention will purge the case: "DAp1" + the period key's id + sealed box of the inner
# ("DAk1") envelope. Nothing secret is needed to do so. Reading goes organisation key ->
# period private key -> inner envelope -> data key. At the end of the month the period key
# is deleted, and with it every way to open those envelopes, including copies of them that
# outlive the rows (dead rows, free pages, WAL, a copy of the database taken after closure).


def purge_period_of(day: date) -> date:
    """The purge period (the first day of its month) in which ``day`` falls."""
    return day.replace(day=1)


def purge_period_end(period: date) -> date:
    """The first day after the period: its key may be destroyed from then on."""
    if period.month == 12:
        return period.replace(year=period.year + 1, month=1)
    return period.replace(month=period.month + 1)


def purge_period_key(organisation: Organisation, period: date) -> PurgePeriodKey:
    """The organisation's key for a purge period, made when first needed. No secret needed."""
    period = purge_period_of(period)
    existing = PurgePeriodKey.objects.filter(organisation=organisation, period=period).first()
    if existing is not None:
        return existing
    organisation_key = current_organisation_key(organisation)
    private_key = crypto.new_private_key()
    key, _created = PurgePeriodKey.objects.get_or_create(
        organisation=organisation,
        period=period,
        defaults={
            "public_key": bytes(private_key.public_key),
            "key_version": organisation_key.version,
            "sealed_private_key": crypto.seal(
                bytes(organisation_key.public_key), bytes(private_key)
            ),
        },
    )
    return key


def is_purge_wrapped(envelope: bytes) -> bool:
    return bytes(envelope[:4]) == PURGE_ENVELOPE_MAGIC


def wrap_for_purge(envelope: bytes, key: PurgePeriodKey) -> bytes:
    """Seal a record key envelope to a purge period's key (an empty value stays empty)."""
    envelope = bytes(envelope)
    if not envelope or is_purge_wrapped(envelope):
        return envelope
    return (
        PURGE_ENVELOPE_MAGIC
        + struct.pack(">I", key.pk)
        + crypto.seal(bytes(key.public_key), envelope)
    )


def wrap_sealed_value_for_purge(sealed: bytes | None, key: PurgePeriodKey) -> bytes | None:
    """``wrap_for_purge`` for a value made by ``seal_for_organisation``."""
    if not sealed:
        return sealed
    envelope, ciphertext = _split_sealed(bytes(sealed))
    return join_sealed(wrap_for_purge(envelope, key), ciphertext)


def purge_period_private_key(
    keyring: KeyRing, organisation: Organisation, key: PurgePeriodKey
) -> PrivateKey:
    organisation_key = keyring.organisation_private_key(organisation, key.key_version)
    private_key = crypto.private_key_from_bytes(
        crypto.unseal(organisation_key, bytes(key.sealed_private_key))
    )
    if bytes(private_key.public_key) != bytes(key.public_key):
        raise DecryptionError("a purge period key does not match its public key")
    return private_key


def unwrap_purge_envelope(keyring: KeyRing, organisation: Organisation, envelope: bytes) -> bytes:
    """The inner envelope of a purge-wrapped one (any other envelope is returned as it is)."""
    envelope = bytes(envelope)
    if not is_purge_wrapped(envelope):
        return envelope
    if len(envelope) < 8:
        raise DecryptionError("not a record key envelope")
    (key_id,) = struct.unpack(">I", envelope[4:8])
    key = PurgePeriodKey.objects.filter(pk=key_id, organisation=organisation).first()
    if key is None:
        raise DecryptionError("the purge period key was destroyed")
    return crypto.unseal(purge_period_private_key(keyring, organisation, key), envelope[8:])


def unwrap_sealed_value(
    keyring: KeyRing, organisation: Organisation, sealed: bytes | None
) -> bytes | None:
    if not sealed:
        return sealed
    envelope, ciphertext = _split_sealed(bytes(sealed))
    return join_sealed(unwrap_purge_envelope(keyring, organisation, envelope), ciphertext)


def destroy_purge_period_key(key: PurgePeriodKey) -> None:
    """Delete the period key, then ask the database not to keep its bytes around."""
    PurgePeriodKey.objects.filter(pk=key.pk).delete()
    scrub_deleted_rows([PurgePeriodKey._meta.db_table], rewrite=True)


def scrub_deleted_rows(tables: list[str], *, rewrite: bool = False) -> None:
    """Reclaim the space of deleted and overwritten rows so their bytes do not linger.

    SQLite runs with ``secure_delete`` (settings), which zeroes freed content; a checkpoint
    then moves the zeroed pages from the WAL into the database file. PostgreSQL keeps dead
    row versions until VACUUM; ``rewrite`` (VACUUM FULL, for small tables such as the
    keys) writes the table anew. Neither can run inside a transaction: there the caller's
    scheduled job does it later (see docs/operations.md).
    """
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            for table in tables:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"VACUUM {'FULL ' if rewrite else ''}{quoted}")
