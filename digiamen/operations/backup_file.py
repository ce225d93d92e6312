"""The encrypted backup file: a manifest and a database dump, readable only with the backup
private key, which is printed once when the key pair is made and never kept on the server.

Layout (all lengths big-endian)::

    MAGIC (16 bytes) | len (2) | file key sealed to the backup public key (crypto_box_seal)
    | secretstream header (24) | frames: len (4) + ciphertext ...

The frames are one libsodium secretstream (XChaCha20-Poly1305): the first holds the JSON
manifest and is bound to the magic and the sealed key as associated data; the dump follows
in chunks; the last frame carries the FINAL tag. A changed byte, a reordered or dropped
frame, a file cut short or bytes added after the end all fail to open.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from typing import IO, Any

import nacl.bindings as sodium
import nacl.exceptions
from nacl.public import PrivateKey

from digiamen.core import crypto

MAGIC = b"DIGIAMEN-BACKUP\x01"
CHUNK = 1 << 20
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
MAX_FRAME = CHUNK + ABYTES
MAX_MANIFEST = 16 << 20


class BackupUnreadable(Exception):
    """The file is not a backup, not for this key, damaged or cut short (message for people)."""


def write(
    out: IO[bytes], public_key: bytes, manifest: dict[str, Any], dump: Iterable[bytes]
) -> None:
    file_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    sealed_key = crypto.seal(public_key, file_key)
    out.write(MAGIC + struct.pack(">H", len(sealed_key)) + sealed_key)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    out.write(sodium.crypto_secretstream_xchacha20poly1305_init_push(state, file_key))

    def frame(plaintext: bytes, tag: int, associated: bytes | None = None) -> None:
        sealed = sodium.crypto_secretstream_xchacha20poly1305_push(
            state, plaintext, associated, tag
        )
        out.write(struct.pack(">I", len(sealed)) + sealed)

    frame(json.dumps(manifest, sort_keys=True).encode(), TAG_MESSAGE, MAGIC + sealed_key)
    pending = b""
    for piece in dump:
        pending += piece
        while len(pending) > CHUNK:
            frame(pending[:CHUNK], TAG_MESSAGE)
            pending = pending[CHUNK:]
    frame(pending, TAG_FINAL)


def _exactly(source: IO[bytes], size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupUnreadable("The backup file is cut short.")
    return data


class Reader:
    """Opens a backup: ``manifest`` at once, then ``chunks()`` streams the dump and only
    finishes without error when the file is whole and unchanged."""

    def __init__(self, source: IO[bytes], private_key: PrivateKey) -> None:
        self.source = source
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupUnreadable("This is not a Digi-Amen backup file.")
        (sealed_length,) = struct.unpack(">H", _exactly(source, 2))
        sealed_key = _exactly(source, sealed_length)
        try:
            file_key = crypto.unseal(private_key, sealed_key)
        except crypto.DecryptionError:
            raise BackupUnreadable(
                "This backup was not made for this backup key (wrong private key)."
            ) from None
        self.state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = _exactly(source, HEADER_BYTES)
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(self.state, header, file_key)
        manifest, tag = self._frame(MAGIC + sealed_key, MAX_MANIFEST + ABYTES)
        if tag != TAG_MESSAGE:
            raise BackupUnreadable("The backup file holds no database dump.")
        try:
            self.manifest: dict[str, Any] = json.loads(manifest)
        except ValueError:
            raise BackupUnreadable("The backup's manifest is damaged.") from None

    def _frame(self, associated: bytes | None, limit: int = MAX_FRAME) -> tuple[bytes, int]:
        head = self.source.read(4)
        if len(head) != 4:
            raise BackupUnreadable("The backup file is cut short.")
        (length,) = struct.unpack(">I", head)
        if not ABYTES <= length <= limit:
            raise BackupUnreadable("The backup file is damaged.")
        try:
            plaintext, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                self.state, _exactly(self.source, length), associated
            )
        except nacl.exceptions.CryptoError:
            raise BackupUnreadable("The backup file was changed or damaged.") from None
        return plaintext, tag

    def chunks(self) -> Iterator[bytes]:
        while True:
            plaintext, tag = self._frame(None)
            yield plaintext
            if tag == TAG_FINAL:
                break
        if self.source.read(1):
            raise BackupUnreadable("The backup file has bytes after its end.")
