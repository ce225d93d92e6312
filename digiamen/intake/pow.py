"""Optional proof of work: a browser with JavaScript earns a larger sending allowance.

Many children reach the internet through the same carrier address (CGNAT), so a strict
per-address limit would turn some of them away. A client that shows it spent a little
work on this very report (SHA-256 of "<draft token>:<nonce>" with ``INTAKE_POW_BITS``
leading zero bits) is counted against a limit ``INTAKE_POW_MULTIPLIER`` times larger.
Without JavaScript nothing changes: the normal limit applies. No third-party CAPTCHA.
"""

from __future__ import annotations

import hashlib

from django.conf import settings


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def is_valid(challenge: str, nonce: str) -> bool:
    if not nonce or len(nonce) > 20 or not nonce.isdigit() or not challenge:
        return False
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= settings.INTAKE_POW_BITS
