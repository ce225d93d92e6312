"""Key derivation (crypto.derive_key): keyed by the secret, the whole purpose label used,
and what the first derivation protected still opens."""

from __future__ import annotations

import nacl.hash
import pytest
from nacl.encoding import RawEncoder

from digiamen.core import crypto


def test_derivation_is_keyed_by_the_secret_over_the_whole_label() -> None:
    secret = bytes(range(32))
    key = crypto.derive_key(secret, purpose=b"receipt-lookup")
    expected = nacl.hash.blake2b(
        b"receipt-lookup",
        key=secret,
        person=b"digiamen-kdf-v2",
        digest_size=32,
        encoder=RawEncoder,
    )
    assert key == expected and len(key) == crypto.KEY_BYTES
    # Labels differing after byte 55 gave one key in version 1; now they do not.
    long_label = b"x" * 60
    assert crypto.legacy_derive_key(secret, purpose=long_label + b"a") == (
        crypto.legacy_derive_key(secret, purpose=long_label + b"b")
    )
    assert crypto.derive_key(secret, purpose=long_label + b"a") != (
        crypto.derive_key(secret, purpose=long_label + b"b")
    )
    assert crypto.derive_key(b"other secret", purpose=b"receipt-lookup") != key


def test_long_secrets_are_hashed_first_and_empty_ones_refused() -> None:
    long_secret = b"s" * 100
    assert crypto.derive_key(long_secret, purpose=b"p") != crypto.derive_key(
        long_secret + b"t", purpose=b"p"
    )
    with pytest.raises(ValueError):
        crypto.derive_key(b"", purpose=b"p")


def test_what_version_1_encrypted_still_decrypts() -> None:
    secret = b"session key of 32 characters...."
    old = crypto.encrypt(
        crypto.legacy_derive_key(secret, purpose=b"api-token"), b"member key", purpose=b"t"
    )
    new = crypto.encrypt(
        crypto.derive_key(secret, purpose=b"api-token"), b"member key", purpose=b"t"
    )
    for blob in (old, new):
        assert crypto.decrypt_derived(secret, blob, key_purpose=b"api-token", purpose=b"t") == (
            b"member key"
        )
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_derived(b"another secret", new, key_purpose=b"api-token", purpose=b"t")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_derived(secret, new, key_purpose=b"other", purpose=b"t")


def test_channel_store_and_backups_keep_what_version_1_made() -> None:
    from django.conf import settings

    from digiamen.channels import store
    from digiamen.operations import backups

    secret = settings.SECRET_KEY.encode()
    old = crypto.encrypt(
        crypto.legacy_derive_key(secret, purpose=b"channels-store"), b"+212600000000", purpose=b"p"
    )
    assert store.unseal(old, purpose="p") == "+212600000000"
    assert store.unseal(store.seal("x", purpose="p"), purpose="p") == "x"
    lookups = store.sender_lookups("sms", "+212600000000")
    assert len(set(lookups)) == 2 and store.sender_lookup("sms", "+212600000000") == lookups[0]
    fingerprints = backups.instance_fingerprints()
    assert fingerprints[0] == backups.instance_fingerprint() != fingerprints[1]
    assert (
        fingerprints[1] == crypto.legacy_derive_key(secret, purpose=b"backup-instance")[:12].hex()
    )
