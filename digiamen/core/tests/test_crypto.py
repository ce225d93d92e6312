import pytest

from digiamen.core import crypto


def test_encrypt_round_trip_and_purpose_binding() -> None:
    key = crypto.random_key()
    blob = crypto.encrypt(key, "سر".encode(), purpose=b"field:narrative:1")
    assert crypto.decrypt(key, blob, purpose=b"field:narrative:1") == "سر".encode()
    # The same ciphertext does not open for another field or record.
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key, blob, purpose=b"field:contact:1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(crypto.random_key(), blob, purpose=b"field:narrative:1")


def test_tampered_ciphertext_is_refused() -> None:
    key = crypto.random_key()
    blob = bytearray(crypto.encrypt(key, b"hello", purpose=b"p"))
    blob[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key, bytes(blob), purpose=b"p")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(key, b"\x02short", purpose=b"p")


def test_nonces_differ() -> None:
    key = crypto.random_key()
    assert crypto.encrypt(key, b"x", purpose=b"p") != crypto.encrypt(key, b"x", purpose=b"p")


def test_password_kdf_depends_on_password_and_salt() -> None:
    kdf = crypto.PasswordKdf.new(1, 8192)
    assert kdf.derive("one") == kdf.derive("one")
    assert kdf.derive("one") != kdf.derive("two")
    other = crypto.PasswordKdf.new(1, 8192)
    assert other.derive("one") != kdf.derive("one")


def test_recovery_key_format_round_trip() -> None:
    seed = crypto.random_key()
    text = crypto.format_recovery_key(seed)
    assert all(len(group) <= 4 for group in text.split("-"))
    assert crypto.parse_recovery_key(text) == seed
    assert crypto.parse_recovery_key(" " + text.lower().replace("-", " ") + "\n") == seed
    with pytest.raises(crypto.DecryptionError):
        crypto.parse_recovery_key("not-a-key")
    with pytest.raises(crypto.DecryptionError):
        crypto.parse_recovery_key(text[:-4])
