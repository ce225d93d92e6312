"""The channel key: numbers and texts the server itself must read to reply.

Derived from SECRET_KEY, so a copy of the database alone reveals nothing; a phone number
is found by a keyed hash, never stored in clear.
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
    return crypto.decrypt(_key(b"channels-store"), bytes(blob), purpose=purpose.encode()).decode()


def seal_json(value: Any, *, purpose: str) -> bytes:
    return seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")), purpose=purpose)


def unseal_json(blob: bytes, *, purpose: str) -> Any:
    return json.loads(unseal(blob, purpose=purpose))


def phone_lookup(phone: str) -> str:
    return hashlib.blake2b(phone.encode(), key=_key(b"channels-phone"), digest_size=32).hexdigest()


def normalise_phone(raw: str) -> str | None:
    """'tel:+212 600-000000' or 'whatsapp:+2126...' -> '+212600000000'; None if not a number."""
    text = raw.strip()
    for prefix in ("tel:", "whatsapp:", "sms:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"[\s\-().]", "", text)
    return text if PHONE.fullmatch(text) else None
