"""Cryptographic building blocks, all from libsodium through PyNaCl.

Nothing here knows about Django models; ``digiamen.core.encryption`` puts these together
into the organisation/user key design described in docs/security-model.md.

* symmetric encryption: XChaCha20-Poly1305 (AEAD) with a random 24-byte nonce and
  associated data that binds a ciphertext to its purpose, so that a ciphertext copied
  into another field or record does not open;
* public-key sealing: libsodium sealed boxes (X25519 + XSalsa20-Poly1305), which need
  only the recipient's public key, so anonymous intake can encrypt with no secret;
* password-derived keys: Argon2id;
* key derivation from high-entropy secrets: BLAKE2b keyed by the secret, over a purpose
  label (``derive_key``; what version 1 derived still opens through ``decrypt_derived``).
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.utils
from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
NONCE_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES
# First byte of every ciphertext this module writes, so the format can evolve. It is also
# part of the associated data, so a ciphertext cannot be passed off as the other format.
FORMAT_VERSION = b"\x01"
# The same, with the plaintext padded to a size bucket first (see ``pad``).
PADDED_FORMAT_VERSION = b"\x02"
PAD_MIN_BUCKET = 256


class DecryptionError(Exception):
    """A ciphertext did not open: wrong key, wrong purpose, or tampered bytes."""


def random_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def pad(plaintext: bytes) -> bytes:
    """ISO/IEC 7816-4 padding (0x80 then zeros) to the next power of two, at least 256 bytes.

    A ciphertext's length then tells only the bucket: not whether a contact was given, nor
    how long a story is within a factor of two."""
    size = max(PAD_MIN_BUCKET, 1 << len(plaintext).bit_length())
    return plaintext + b"\x80" + b"\x00" * (size - len(plaintext) - 1)


def unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise DecryptionError("bad padding")
    return stripped[:-1]


def encrypt(key: bytes, plaintext: bytes, *, purpose: bytes, pad_to_bucket: bool = False) -> bytes:
    version = PADDED_FORMAT_VERSION if pad_to_bucket else FORMAT_VERSION
    if pad_to_bucket:
        plaintext = pad(plaintext)
    nonce = nacl.utils.random(NONCE_BYTES)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, version + purpose, nonce, key
    )
    return version + nonce + sealed


def decrypt(key: bytes, blob: bytes, *, purpose: bytes) -> bytes:
    """Opens both formats: ciphertexts written before padding existed still open."""
    blob = bytes(blob)
    version = blob[:1]
    if len(blob) < 1 + NONCE_BYTES or version not in (FORMAT_VERSION, PADDED_FORMAT_VERSION):
        raise DecryptionError("unknown ciphertext format")
    nonce = blob[1 : 1 + NONCE_BYTES]
    try:
        plaintext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[1 + NONCE_BYTES :], version + purpose, nonce, key
        )
    except nacl.exceptions.CryptoError as error:
        raise DecryptionError("ciphertext did not open") from error
    return unpad(plaintext) if version == PADDED_FORMAT_VERSION else plaintext


def seal(public_key: bytes, plaintext: bytes) -> bytes:
    return SealedBox(PublicKey(bytes(public_key))).encrypt(plaintext)


def seal_padded(public_key: bytes, text: str) -> bytes:
    """A text sealed to a public key, padded to its size bucket first (``pad``): the box's
    length tells a reply's bucket, not its length. Marked by a leading byte 0x02, which no
    text stored before began with (control characters are refused in stored text)."""
    return seal(public_key, PADDED_FORMAT_VERSION + pad(text.encode("utf-8")))


def unseal_text(private_key: PrivateKey, blob: bytes) -> str:
    """What ``seal_padded`` sealed, or a text sealed unpadded before padding existed."""
    plaintext = unseal(private_key, blob)
    if plaintext[:1] == PADDED_FORMAT_VERSION:
        plaintext = unpad(plaintext[1:])
    return plaintext.decode("utf-8")


def unseal(private_key: PrivateKey, blob: bytes) -> bytes:
    try:
        return SealedBox(private_key).decrypt(bytes(blob))
    except nacl.exceptions.CryptoError as error:
        raise DecryptionError("sealed box did not open") from error


# BLAKE2b takes keys of at most 64 bytes: a longer secret is first hashed to 64 bytes.
_BLAKE2B_KEY_MAX = nacl.bindings.crypto_generichash_KEYBYTES_MAX
_KDF_PERSON = b"digiamen-kdf-v2"  # 15 bytes; libsodium pads "personal" to 16


def derive_key(secret: bytes, *, purpose: bytes) -> bytes:
    """A 32-byte key from a high-entropy secret (a session key, a token), per purpose.

    Keyed BLAKE2b with the *secret* as the key and the whole purpose label as the message,
    as libsodium's ``crypto_kdf`` does (there the label is limited to 8 bytes and a number,
    too short for ours). Version 1 (``legacy_derive_key``) did it the other way round."""
    if len(secret) > _BLAKE2B_KEY_MAX:
        secret = nacl.hash.blake2b(secret, digest_size=_BLAKE2B_KEY_MAX, encoder=RawEncoder)
    if not secret:
        raise ValueError("a key is derived from a secret, not from nothing")
    return nacl.hash.blake2b(
        purpose, key=secret, person=_KDF_PERSON, digest_size=KEY_BYTES, encoder=RawEncoder
    )


def legacy_derive_key(secret: bytes, *, purpose: bytes) -> bytes:
    """Version 1 of ``derive_key`` (the purpose label as the key, cut to 55 bytes): only to
    read what it protected before the change; nothing new is written with it."""
    return nacl.hash.blake2b(
        secret, key=b"digiamen/" + purpose[:55], digest_size=KEY_BYTES, encoder=RawEncoder
    )


def derived_key_versions(secret: bytes, *, purpose: bytes) -> tuple[bytes, bytes]:
    """The current derivation first, then version 1's: what readers try, in that order."""
    return derive_key(secret, purpose=purpose), legacy_derive_key(secret, purpose=purpose)


def decrypt_derived(secret: bytes, blob: bytes, *, key_purpose: bytes, purpose: bytes) -> bytes:
    """Decrypt what ``encrypt(derive_key(secret, ...), ...)`` wrote, now or with version 1."""
    current, legacy = derived_key_versions(secret, purpose=key_purpose)
    try:
        return decrypt(current, blob, purpose=purpose)
    except DecryptionError:
        return decrypt(legacy, blob, purpose=purpose)


@dataclass(frozen=True)
class PasswordKdf:
    salt: bytes
    opslimit: int
    memlimit: int

    @classmethod
    def new(cls, opslimit: int, memlimit: int) -> PasswordKdf:
        return cls(nacl.utils.random(SALT_BYTES), opslimit, memlimit)

    def derive(self, password: str) -> bytes:
        with kdf_slot():
            return nacl.pwhash.argon2id.kdf(
                KEY_BYTES,
                password.encode("utf-8"),
                bytes(self.salt),
                opslimit=self.opslimit,
                memlimit=self.memlimit,
            )


class KdfBusy(Exception):
    """Every Argon2id slot of this process is taken and KDF_QUEUE requests already wait in
    line, or a slot stayed taken for KDF_WAIT_SECONDS: the request is answered 503 with
    Retry-After (core/middleware.py, api.py) instead of queueing without end, each waiting
    thread holding its request."""

    retry_after_seconds = 5


class FifoSlots:
    """At most ``size`` holders at once; waiters are served in their order of arrival.

    A plain semaphore lets a thread that just arrived take a slot freed for one that has
    waited (and sends that one to the back): under a surge, some requests would wait past
    KDF_WAIT_SECONDS while later ones go through. Here a freed slot is handed to the oldest
    waiter directly, so the wait is the queue ahead, never more."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._waiters: collections.deque[threading.Lock] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self, timeout: float, max_waiting: int | None = None) -> bool:
        """Whether a slot was had within ``timeout``; at once False when ``max_waiting``
        are already in line (the line is full: no use waiting behind it)."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            if max_waiting is not None and len(self._waiters) >= max_waiting:
                return False
            handed = threading.Lock()
            handed.acquire()
            self._waiters.append(handed)
        if handed.acquire(timeout=max(0.0, timeout)):
            return True  # release() handed its slot to this waiter
        with self._lock:
            if handed in self._waiters:
                self._waiters.remove(handed)
                return False
        # The slot was handed over just as the wait ran out: take it rather than lose it.
        return True

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()  # the slot passes on, never free
            else:
                self._free += 1

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)


_slots: FifoSlots | None = None
_slots_lock = threading.Lock()


@contextlib.contextmanager
def kdf_slot() -> Iterator[None]:
    """Hold one of this process's KDF_CONCURRENCY Argon2id slots, or raise KdfBusy: at once
    when KDF_QUEUE requests already wait, or after KDF_WAIT_SECONDS in line."""
    global _slots
    with _slots_lock:
        size = max(1, settings.KDF_CONCURRENCY)
        if _slots is None or _slots.size != size:
            _slots = FifoSlots(size)
        slots = _slots
    if not slots.acquire(timeout=settings.KDF_WAIT_SECONDS, max_waiting=settings.KDF_QUEUE):
        raise KdfBusy
    try:
        yield
    finally:
        slots.release()


def new_private_key() -> PrivateKey:
    return PrivateKey.generate()


def private_key_from_bytes(raw: bytes) -> PrivateKey:
    return PrivateKey(bytes(raw))


def private_key_from_seed(seed: bytes) -> PrivateKey:
    return PrivateKey.from_seed(bytes(seed))


def lookup_hash(secret: bytes) -> str:
    """What the database keeps of a bearer secret: enough to find it, not to use it."""
    return hashlib.sha256(b"digiamen/lookup/" + secret).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def random_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


# Recovery keys are typed back by a person from paper: base32 (no 0/1/8 confusion),
# in groups of four.
def format_recovery_key(seed: bytes) -> str:
    text = base64.b32encode(seed).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    padding = "=" * (-len(cleaned) % 8)
    try:
        seed = base64.b32decode(cleaned + padding)
    except (ValueError, base64.binascii.Error) as error:  # type: ignore[attr-defined]
        raise DecryptionError("not a recovery key") from error
    if len(seed) != 32:
        raise DecryptionError("not a recovery key")
    return seed


# The admin confirms the paper by reading back this short check group, printed beside the
# key: the key itself never has to reach the server again. It derives from the *public*
# half, so the server can compute it and it tells nothing about the private half.
RECOVERY_CHECKSUM_LENGTH = 6


def recovery_checksum(public_key: bytes) -> str:
    digest = nacl.hash.blake2b(
        bytes(public_key), key=b"digiamen/recovery-key-checksum", digest_size=16, encoder=RawEncoder
    )
    return base64.b32encode(digest).decode("ascii")[:RECOVERY_CHECKSUM_LENGTH]


def normalise_checksum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def key_from_text(text: str) -> bytes | None:
    """A 32-byte key written in base64 (a public key given by a peer or a court), or None."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == 32 else None
