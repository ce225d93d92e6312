"""Sealed narratives and contacts are padded to size buckets; older ciphertexts still open."""

from __future__ import annotations

import struct

import nacl.bindings
import nacl.utils
import pytest
from django.test import Client

from digiamen.cases.models import Note
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import TEST_PLACE, World
from digiamen.core import crypto, encryption
from digiamen.core.tests.test_encryption import request_for


def _unpadded_ciphertext(key: bytes, plaintext: bytes, purpose: bytes) -> bytes:
    """A ciphertext exactly as versions before padding wrote it (format 1)."""
    nonce = nacl.utils.random(crypto.NONCE_BYTES)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, b"\x01" + purpose, nonce, key
    )
    return b"\x01" + nonce + sealed


def test_padding_narratives_of_10_and_200_characters_have_the_same_length(world: World) -> None:
    record_key = encryption.new_record_key(world.amane)
    short = record_key.encrypt("x" * 10, field="narrative", record="r1")
    longer = record_key.encrypt("x" * 200, field="narrative", record="r1")
    assert len(short) == len(longer)
    assert record_key.decrypt_text(short, field="narrative", record="r1") == "x" * 10
    assert record_key.decrypt_text(longer, field="narrative", record="r1") == "x" * 200
    # A contact given or not: the same length too.
    none = record_key.encrypt("", field="contact", record="r1")
    given = record_key.encrypt("+212 600 000 000", field="contact", record="r1")
    assert len(none) == len(given)
    # Sealed values (notes, messages) as well.
    assert len(encryption.seal_for_organisation(world.amane, "a", place=TEST_PLACE)) == len(
        encryption.seal_for_organisation(world.amane, "a" * 200, place=TEST_PLACE)
    )


def test_padding_buckets_are_powers_of_two_from_256() -> None:
    for length, bucket in [(0, 256), (10, 256), (255, 256), (256, 512), (511, 512), (600, 1024)]:
        padded = crypto.pad(b"\x80" * length)  # a plaintext ending like padding stays whole
        assert len(padded) == bucket, length
        assert crypto.unpad(padded) == b"\x80" * length


def test_padding_of_a_report_hides_the_narratives_length(world: World) -> None:
    from digiamen.intake.models import Report
    from digiamen.intake.tests.helpers import STEP_ANSWERS, walk

    walk(Client(), "/en/report/")  # a 44-character story, no contact
    steps = [dict(step) for step in STEP_ANSWERS]
    steps[4] = {"narrative": "Help me. " * 20, "involved_accounts": "@x"}
    steps[5] = {"contact_method": "email", "contact_value": "someone.long@example.org"}
    walk(Client(), "/en/report/", steps)
    first, second = Report.objects.order_by("pk")
    assert len(bytes(first.narrative)) == len(bytes(second.narrative))
    assert len(bytes(first.contact)) == len(bytes(second.contact))
    assert len(bytes(first.reporter_summary)) == len(bytes(second.reporter_summary))


def test_padding_old_unpadded_ciphertexts_still_open(world: World) -> None:
    record_key = encryption.new_record_key(world.amane)
    purpose = b"field:narrative:r1"
    old = _unpadded_ciphertext(record_key.data_key, b"the old story", purpose)
    assert record_key.decrypt_text(old, field="narrative", record="r1") == "the old story"
    assert crypto.decrypt(record_key.data_key, old, purpose=purpose) == b"the old story"
    # An old sealed value (envelope + format-1 ciphertext) opens for a member.
    sealed_old = (
        struct.pack(">I", len(record_key.envelope))
        + record_key.envelope
        + _unpadded_ciphertext(record_key.data_key, b"old note", b"field:sealed-value:")
    )
    case = new_case()
    note = Note.objects.create(case=case, author=world.bob.user, body=sealed_old)
    place = encryption.Place.of(note, "body", case)
    request = request_for(world.bob.user, world.bob.private_key)
    assert encryption.open_for_member(request, world.amane, sealed_old, place=place) == b"old note"
    # ... and is bound to its place once opened (the same data key, a new ciphertext).
    note.refresh_from_db()
    assert encryption.is_bound(bytes(note.body))
    assert encryption.open_for_member(request, world.amane, bytes(note.body), place=place) == (
        b"old note"
    )


def test_padding_version_cannot_be_swapped() -> None:
    key = crypto.random_key()
    padded = crypto.encrypt(key, b"story", purpose=b"p", pad_to_bucket=True)
    assert padded[:1] == crypto.PADDED_FORMAT_VERSION
    unpadded = crypto.encrypt(key, b"story", purpose=b"p")
    # The version byte is authenticated: relabelling either format does not open.
    for blob in (b"\x01" + padded[1:], b"\x02" + unpadded[1:]):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(key, blob, purpose=b"p")
    with pytest.raises(crypto.DecryptionError):
        crypto.unpad(b"\x00" * 256)
