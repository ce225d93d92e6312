"""Members' alert addresses, under the alerts key.

An address is personal data, but the queue's worker must read it to send an alert, when
no member's key is unlocked: so it cannot be sealed to the organisation like a report. It
is kept as the channels keep a reporter's reply number (``channels/store.py``): encrypted
under a key derived from SECRET_KEY, so a copy of the database alone reveals nothing.
"""

from __future__ import annotations

from django.conf import settings

from digiamen.core import crypto

_KEY_PURPOSE = b"alerts-address"


def seal_address(address: str, *, user_id: int) -> bytes:
    if not address:
        return b""
    key = crypto.derive_key(settings.SECRET_KEY.encode(), purpose=_KEY_PURPOSE)
    return crypto.encrypt(key, address.encode(), purpose=f"email:{user_id}".encode())


def open_address(sealed: bytes | memoryview, *, user_id: int) -> str:
    if not sealed:
        return ""
    return crypto.decrypt_derived(
        settings.SECRET_KEY.encode(),
        bytes(sealed),
        key_purpose=_KEY_PURPOSE,
        purpose=f"email:{user_id}".encode(),
    ).decode()
