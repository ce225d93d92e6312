"""Receipts: random digits, the reporter's only key to their mailbox.

From a receipt, one Argon2id derivation (with an instance-wide salt) gives both the lookup
hash the database keeps and the seed of the mailbox key pair. A copy of the database and
the configuration cannot test receipts cheaply: each guess costs a memory-hard derivation.

The length is the format's version: receipts are 24 digits since December 2026 (version 2);
the 16-digit receipts handed out before (version 1) still open their mailboxes, with the
same derivation. Why 24 and why one instance-wide salt rather than a salt per report:
docs/security-model.md, "Receipts".
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

import nacl.pwhash
from django.conf import settings
from django.db import transaction
from nacl.public import PrivateKey

from digiamen.core import crypto
from digiamen.core.digits import digits_only
from digiamen.core.process_cache import ProcessCache
from digiamen.intake.models import ReceiptKdfSalt

# Version 2, handed out to every new report.
RECEIPT_DIGITS = 24
# Version 1: reports received before version 2; typed back, they still open their mailbox.
LEGACY_RECEIPT_DIGITS = 16
ACCEPTED_LENGTHS = frozenset({RECEIPT_DIGITS, LEGACY_RECEIPT_DIGITS})
# The production floor of the receipt derivation (core.checks): the cost per guess that the
# arithmetic in docs/security-model.md assumes (8 000 guesses a second on one GPU).
KDF_MIN_OPSLIMIT = 3
KDF_MIN_MEMLIMIT = 64 * 1024 * 1024
# Wrong receipts are counted per first digits too (intake.views): enough digits that the
# failures of a crowd of clients cannot cover every reporter's prefix.
PREFIX_DIGITS = 6


def new_receipt() -> str:
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def format_receipt(receipt: str) -> str:
    """'123456789012345678901234' -> '1234 5678 9012 3456 7890 1234', in groups of four."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def parse_receipt(text: str) -> str | None:
    """Western or Arabic-Indic digits, spaces and dashes ignored; None unless 24 digits (or
    16, an older receipt)."""
    if len(text) > 64:
        return None
    digits = digits_only(text.strip())
    if len(digits) not in ACCEPTED_LENGTHS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def receipt_version(receipt: str) -> int:
    return 2 if len(receipt) == RECEIPT_DIGITS else 1


def receipt_prefix(receipt: str) -> str:
    """What wrong receipts are counted under besides the client: the format and the first
    digits (never stored: the rate limiter pseudonymises it under its daily key)."""
    return f"v{receipt_version(receipt)}:{receipt[:PREFIX_DIGITS]}"


# The salt is made once and never changes: each process reads it once, not once a receipt.
_salt = ProcessCache[bytes](ttl=math.inf)


def _instance_salt() -> bytes:
    return _salt.get_or_load(1, _read_or_make_salt)


def _read_or_make_salt() -> bytes:
    row = ReceiptKdfSalt.objects.filter(pk=1).first()
    if row is None:
        with transaction.atomic():
            row, _created = ReceiptKdfSalt.objects.get_or_create(
                pk=1, defaults={"salt": secrets.token_bytes(nacl.pwhash.argon2id.SALTBYTES)}
            )
        if transaction.get_connection().in_atomic_block:
            # Made inside a caller's transaction, which may still roll back: not kept, or
            # this process would derive receipts with a salt the database never had.
            _salt.clear()
    return bytes(row.salt)


@dataclass(frozen=True)
class ReceiptSecrets:
    lookup: str
    mailbox_key: PrivateKey
    # The same receipt's lookup and mailbox key as the first key derivation made them
    # (crypto.legacy_derive_key): reports received before the change are found by these.
    legacy_lookup: str
    legacy_mailbox_key: PrivateKey

    def mailbox_key_for(self, lookup: str) -> PrivateKey:
        return self.mailbox_key if lookup == self.lookup else self.legacy_mailbox_key


def receipt_secrets(receipt: str) -> ReceiptSecrets:
    """Both versions derive alike: their lengths differ, so no receipt of one version is a
    receipt of the other, and version 1 mailboxes keep opening."""
    kdf = crypto.PasswordKdf(
        _instance_salt(), settings.RECEIPT_KDF_OPSLIMIT, settings.RECEIPT_KDF_MEMLIMIT
    )
    root = kdf.derive(receipt)
    lookup, legacy_lookup = crypto.derived_key_versions(root, purpose=b"receipt-lookup")
    seed, legacy_seed = crypto.derived_key_versions(root, purpose=b"receipt-mailbox")
    return ReceiptSecrets(
        lookup=lookup.hex(),
        mailbox_key=crypto.private_key_from_seed(seed),
        legacy_lookup=legacy_lookup.hex(),
        legacy_mailbox_key=crypto.private_key_from_seed(legacy_seed),
    )
