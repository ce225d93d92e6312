"""Members' alert addresses and numbers, under the alerts key.

An address is personal data, but the queue's worker must read it to send an alert, when
no member's key is unlocked: so it cannot be sealed to the organisation like a report. It
is kept as the channels keep a reporter's reply number (``channels/store.py``): encrypted
under a key derived from SECRET_KEY, so a copy of the database alone reveals nothing.
Each value is bound to its member and to what it is (``email`` or ``phone``): one cannot be
moved into the other's place.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from digiamen.core import crypto

_KEY_PURPOSE = b"alerts-address"

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
PHONE_ERROR = _(
    "Give the number in international form: + and the country code, then the number "
    "(for example +212 600 000 000)."
)
# Arabic-Indic and Eastern Arabic-Indic digits, as a member may type them.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def seal_address(address: str, *, user_id: int, field: str = "email") -> bytes:
    if not address:
        return b""
    key = crypto.derive_key(settings.SECRET_KEY.encode(), purpose=_KEY_PURPOSE)
    return crypto.encrypt(key, address.encode(), purpose=f"{field}:{user_id}".encode())


def open_address(sealed: bytes | memoryview, *, user_id: int, field: str = "email") -> str:
    if not sealed:
        return ""
    return crypto.decrypt_derived(
        settings.SECRET_KEY.encode(),
        bytes(sealed),
        key_purpose=_KEY_PURPOSE,
        purpose=f"{field}:{user_id}".encode(),
    ).decode()


def normalise_phone(raw: str) -> str | None:
    """'+212 600-000 000', '00212600000000' or in Arabic-Indic digits -> '+212600000000'.

    None for anything else, and for any control or format character (a bidi override, a
    zero-width space): a number that displays differently from what it is is refused, not
    cleaned."""
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in raw):
        return None
    text = re.sub(r"[ \-().]", "", raw.strip().translate(_DIGITS))
    if text.startswith("00"):
        text = "+" + text[2:]
    return text if E164.fullmatch(text) else None
