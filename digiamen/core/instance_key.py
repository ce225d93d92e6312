"""This instance's own signing key (Ed25519), kept outside the database like the secret key
(``NETWORK_SIGNING_KEY``): it signs network aggregate files, the audit chain's hourly head
(``operations.witness``) and verifiable case records (``cases.case_record``). Peers and
courts know it by its public key, shown on each network's settings page."""

from __future__ import annotations

import base64

import nacl.signing
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from digiamen.core import crypto


def parse_signing_seed(text: str) -> bytes | None:
    """The 32-byte seed written in base64 (NETWORK_SIGNING_KEY), or None."""
    return crypto.key_from_text(text)


def legacy_signing_seed() -> bytes:
    """The seed earlier versions derived from SECRET_KEY (only to keep the same public key
    while peers are told of the new one: ``manage.py network_signing_key --keep-derived``)."""
    return crypto.derive_key(settings.SECRET_KEY.encode(), purpose=b"aggregate-signing")


def signing_key() -> nacl.signing.SigningKey:
    """This instance's signing key: its own, stored like the secret key."""
    seed = parse_signing_seed(settings.NETWORK_SIGNING_KEY)
    if seed is None:
        # Production refuses to start without it (evidence/checks.py); elsewhere it is
        # generated under var/, so this is a hand-edited setting.
        raise ImproperlyConfigured("NETWORK_SIGNING_KEY must be 32 random bytes written in base64.")
    return nacl.signing.SigningKey(seed)


def public_key_text() -> str:
    return base64.b64encode(bytes(signing_key().verify_key)).decode("ascii")
