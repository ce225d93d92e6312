"""Receipts: 16 random digits, the reporter's only key to their mailbox.

From a receipt, one Argon2id derivation (with an instance-wide salt) gives both the lookup
hash the database keeps and the seed of the mailbox key pair. A copy of the database and
the configuration cannot test receipts cheaply: each guess costs a memory-hard
derivation, and there are 10^16 of them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import nacl.pwhash
from django.conf import settings
from django.db import transaction
from nacl.public import PrivateKey

from digiamen.core import crypto
from digiamen.core.digits import digits_only
from digiamen.intake.models import ReceiptKdfSalt

RECEIPT_DIGITS = 16


def new_receipt() -> str:
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def format_receipt(receipt: str) -> str:
    """'1234567890123456' -> '1234 5678 9012 3456', grouped like a phone number."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def parse_receipt(text: str) -> str | None:
    """Western or Arabic-Indic digits, spaces and dashes ignored; None if not 16 digits."""
    if len(text) > 64:
        return None
    digits = digits_only(text.strip())
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def _instance_salt() -> bytes:
    row = ReceiptKdfSalt.objects.filter(pk=1).first()
    if row is None:
        with transaction.atomic():
            row, _created = ReceiptKdfSalt.objects.get_or_create(
                pk=1, defaults={"salt": secrets.token_bytes(nacl.pwhash.argon2id.SALTBYTES)}
            )
    return bytes(row.salt)


@dataclass(frozen=True)
class ReceiptSecrets:
    lookup: str
    mailbox_key: PrivateKey


def receipt_secrets(receipt: str) -> ReceiptSecrets:
    kdf = crypto.PasswordKdf(
        _instance_salt(), settings.RECEIPT_KDF_OPSLIMIT, settings.RECEIPT_KDF_MEMLIMIT
    )
    root = kdf.derive(receipt)
    lookup = crypto.derive_key(root, purpose=b"receipt-lookup").hex()
    seed = crypto.derive_key(root, purpose=b"receipt-mailbox")
    return ReceiptSecrets(lookup=lookup, mailbox_key=crypto.private_key_from_seed(seed))
