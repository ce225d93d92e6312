"""The reporter's messages, signed with a key that only their receipt leads to.

The receipt derives the mailbox key (``intake.receipts``); the mailbox key derives an
Ed25519 signing key. Its verify key is stored with the report under the report's own record
key (bound to the report like the story): whoever writes to the database cannot swap it for
one of their own without replacing the report's record key, and with it the story, the
accounts and the contact the counsellor has read. A message "from the reporter" written into
the database by anyone else carries no signature that holds, and the case page says so.

What stays unsigned: messages that came by text message (the phone has no receipt key),
and the messages of reports received before the key existed (December 2026).
"""

from __future__ import annotations

from datetime import datetime

import nacl.exceptions
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from digiamen.core import crypto
from digiamen.core.verdicts import Verified

_PURPOSE = b"mailbox-signing"
KEY_BYTES = 32
VERIFY_KEY_FIELD = "mailbox_verify_key"


def signing_key(mailbox_key: PrivateKey) -> SigningKey:
    return SigningKey(crypto.derive_key(bytes(mailbox_key), purpose=_PURPOSE))


def verify_key(mailbox_key: PrivateKey) -> bytes:
    return bytes(signing_key(mailbox_key).verify_key)


def _signed_bytes(report_public_id: str, created_at: datetime, text: str) -> bytes:
    # The report the message was written to and the moment: moved to another report (or
    # replayed later), the signature no longer holds.
    head = f"digiamen-reporter-message-v1\n{report_public_id}\n"
    return (head + created_at.isoformat(timespec="microseconds") + "\n").encode() + text.encode()


def sign(mailbox_key: PrivateKey, report_public_id: str, created_at: datetime, text: str) -> bytes:
    message = _signed_bytes(report_public_id, created_at, text)
    return signing_key(mailbox_key).sign(message, encoder=RawEncoder).signature


def check(
    verify_key_bytes: bytes,
    signature: bytes,
    report_public_id: str,
    created_at: datetime,
    text: str,
) -> Verified:
    """Signed, unsigned (no key or no signature to check) or broken."""
    if not verify_key_bytes or not signature:
        return Verified("unsigned")
    try:
        VerifyKey(verify_key_bytes).verify(
            _signed_bytes(report_public_id, created_at, text), signature
        )
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return Verified("broken")
    return Verified("signed")
