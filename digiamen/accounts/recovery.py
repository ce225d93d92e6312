"""Recovery on an offline machine: the files carried between the server and that machine.

1. On the server, ``export_recovery_blob`` writes the organisation's key generations as
   sealed to the recovery public key (nothing in it opens without the paper key).
2. On the offline machine, ``recover_organisation --from-file`` reads the paper key with
   ``getpass``, opens the current generation and seals it to a fresh admin invitation; it
   prints the invitation link there and writes only the sealed invitation to a file.
3. Back on the server, ``recover_organisation --import`` stores that invitation. The link
   (its secret) never touches the server's disk before it is used.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from digiamen.accounts.actions import _invitation_private_key
from digiamen.accounts.models import Organisation
from digiamen.core import crypto, encryption, key_signing, untrusted

BLOB_FORMAT = "digiamen-recovery-blob/1"
INVITATION_FORMAT = "digiamen-recovery-invitation/1"


class RecoveryFileError(Exception):
    """A file that is not what the step expects (damaged, another format, wrong key)."""


def _b64(raw: bytes | memoryview) -> str:
    return base64.b64encode(bytes(raw)).decode("ascii")


def _unb64(value: Any, *, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise RecoveryFileError("damaged file")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise RecoveryFileError("damaged file") from error
    if length is not None and len(raw) != length:
        raise RecoveryFileError("damaged file")
    return raw


MAX_FILE_BYTES = 4 * 1024 * 1024


def load(text: str, expected_format: str) -> dict[str, Any]:
    try:
        # A file brought from another machine: read like any untrusted input (bounded).
        data = untrusted.read_json(text, max_bytes=MAX_FILE_BYTES)
    except untrusted.Unreadable as error:
        raise RecoveryFileError("not a recovery file") from error
    if not isinstance(data, dict) or data.get("format") != expected_format:
        raise RecoveryFileError("not a recovery file of this kind")
    return data


def export_blob(organisation: Organisation) -> dict[str, Any]:
    return {
        "format": BLOB_FORMAT,
        "organisation": organisation.slug,
        "recovery_public_key": _b64(organisation.recovery_public_key),
        "generations": [
            {
                "version": key.version,
                "public_key": _b64(key.public_key),
                "recovery_sealed_private_key": _b64(key.recovery_sealed_private_key),
            }
            # The trusted chain only: a row added by hand would be sealed to its maker.
            for key in reversed(key_signing.trusted_generations(organisation))
        ],
    }


@dataclass(frozen=True)
class OfflineInvitation:
    data: dict[str, Any]  # carried back to the server
    token: str  # the invitation link's secret: shown on the offline machine only


def invitation_from_blob(blob: dict[str, Any], recovery_key_text: str) -> OfflineInvitation:
    """On the offline machine: open the newest generation and seal it to a new invitation."""

    try:
        seed = crypto.parse_recovery_key(recovery_key_text)
    except crypto.DecryptionError as error:
        raise RecoveryFileError("not a recovery key") from error
    if encryption.recovery_public_key(seed) != _unb64(blob.get("recovery_public_key"), length=32):
        raise RecoveryFileError("this recovery key is not the one the file was sealed to")
    generations = blob.get("generations")
    if (
        not isinstance(generations, list)
        or not generations
        or not all(isinstance(g, dict) and type(g.get("version")) is int for g in generations)
    ):
        raise RecoveryFileError("damaged file")
    newest = max(generations, key=lambda g: int(g["version"]))
    public_key = _unb64(newest.get("public_key"), length=32)
    try:
        private_key = crypto.private_key_from_bytes(
            crypto.unseal(
                crypto.private_key_from_seed(seed),
                _unb64(newest.get("recovery_sealed_private_key")),
            )
        )
    except (crypto.DecryptionError, ValueError, TypeError) as error:
        raise RecoveryFileError("the newest key generation does not open") from error
    if bytes(private_key.public_key) != public_key:
        raise RecoveryFileError("the newest key generation does not match its public key")
    token = crypto.random_token()
    invitation_key = _invitation_private_key(token)
    return OfflineInvitation(
        {
            "format": INVITATION_FORMAT,
            "organisation": blob.get("organisation"),
            "organisation_public_key": _b64(public_key),
            "token_hash": crypto.lookup_hash(token.encode()),
            "invitation_public_key": _b64(bytes(invitation_key.public_key)),
            "sealed_organisation_key": _b64(
                crypto.seal(bytes(invitation_key.public_key), bytes(private_key))
            ),
        },
        token,
    )


@dataclass(frozen=True)
class ImportableInvitation:
    slug: str
    organisation_public_key: bytes
    token_hash: str
    invitation_public_key: bytes
    sealed_organisation_key: bytes


def parse_invitation(data: dict[str, Any]) -> ImportableInvitation:
    slug, token_hash = data.get("organisation"), data.get("token_hash")
    if not isinstance(slug, str) or not isinstance(token_hash, str) or len(token_hash) != 64:
        raise RecoveryFileError("damaged file")
    try:
        int(token_hash, 16)
    except ValueError as error:
        raise RecoveryFileError("damaged file") from error
    sealed = _unb64(data.get("sealed_organisation_key"))
    if len(sealed) > 200:
        raise RecoveryFileError("damaged file")
    return ImportableInvitation(
        slug=slug,
        organisation_public_key=_unb64(data.get("organisation_public_key"), length=32),
        token_hash=token_hash,
        invitation_public_key=_unb64(data.get("invitation_public_key"), length=32),
        sealed_organisation_key=sealed,
    )
