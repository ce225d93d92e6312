"""The channel key: only what the server itself must read to drive a conversation and reply.

The key derives from SECRET_KEY, so a copy of the database alone reveals nothing; but a
seized server (database *and* configuration) opens everything under it. So it holds only:
the step and the categorical choices of an open conversation, where to send a counsellor's
reply (a number for a plain SMS gateway, a RapidPro contact id for RapidPro, never a number),
and the outbox until the gateway collects it. What a reporter writes is sealed to the
organisation's public key as it arrives (actions.py), never kept under this key.
See "Text messages and field workers" in docs/security-model.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.conf import settings

from digiamen.core import crypto
from digiamen.intake.forms import PHONE


def _key(purpose: bytes) -> bytes:
    return crypto.derive_key(settings.SECRET_KEY.encode(), purpose=purpose)


def seal(text: str, *, purpose: str) -> bytes:
    return crypto.encrypt(_key(b"channels-store"), text.encode(), purpose=purpose.encode())


def unseal(blob: bytes, *, purpose: str) -> str:
    return crypto.decrypt_derived(
        settings.SECRET_KEY.encode(),
        bytes(blob),
        key_purpose=b"channels-store",
        purpose=purpose.encode(),
    ).decode()


def seal_json(value: Any, *, purpose: str) -> bytes:
    return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), purpose=purpose)


def unseal_json(blob: bytes, *, purpose: str) -> Any:
    return json.loads(unseal(blob, purpose=purpose))


def sender_lookup(provider: str, sender: str) -> str:
    """How a conversation is found again: a keyed hash of who writes.

    For a plain SMS gateway the sender is a phone number: whoever holds SECRET_KEY can hash
    every number of a country and find it, so this hash is as good as the number (the
    documented cost of a gateway that needs numbers). For RapidPro it is the contact's
    random UUID, which cannot be guessed that way.
    """
    return sender_lookups(provider, sender)[0]


def sender_lookups(provider: str, sender: str) -> list[str]:
    """``sender_lookup`` now, then as the first key derivation made it: a conversation
    begun before the change is still found."""
    message = f"{provider}:{sender}".encode()
    return [
        hashlib.blake2b(message, key=key, digest_size=32).hexdigest()
        for key in crypto.derived_key_versions(
            settings.SECRET_KEY.encode(), purpose=b"channels-phone"
        )
    ]


def normalise_phone(raw: str) -> str | None:
    """'tel:+212 600-000000' or 'whatsapp:+2126...' -> '+212600000000'; None if not a number."""
    text = raw.strip()
    for prefix in ("tel:", "whatsapp:", "sms:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"[\s\-().]", "", text)
    return text if PHONE.fullmatch(text) else None


def remember(secret: str, value: Any, *, purpose: str) -> bytes:
    """Encrypt under a key from a secret the server does not keep (a gateway's own secret,
    of which the database has only a hash): a seized server cannot open it."""
    key = crypto.derive_key(secret.encode(), purpose=b"channels-remembered")
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return crypto.encrypt(key, plaintext, purpose=purpose.encode())


def recall(secret: str, blob: bytes, *, purpose: str) -> Any:
    """What ``remember`` stored; raises ``crypto.DecryptionError`` for another secret."""
    plaintext = crypto.decrypt_derived(
        secret.encode(), bytes(blob), key_purpose=b"channels-remembered", purpose=purpose.encode()
    )
    return json.loads(plaintext)
