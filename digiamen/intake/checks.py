"""Start-up check: receipts are derived at no less than the cost the security model assumes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from digiamen.core.checks import TAG
from digiamen.intake.receipts import KDF_MIN_MEMLIMIT, KDF_MIN_OPSLIMIT


@register(TAG)
def receipt_derivation_cost(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    if (
        settings.RECEIPT_KDF_MEMLIMIT >= KDF_MIN_MEMLIMIT
        and settings.RECEIPT_KDF_OPSLIMIT >= KDF_MIN_OPSLIMIT
    ):
        return []
    return [
        Error(
            "Receipt key derivation is too cheap for production.",
            hint=f"Leave RECEIPT_KDF_OPSLIMIT (at least {KDF_MIN_OPSLIMIT}) and "
            f"RECEIPT_KDF_MEMLIMIT (at least {KDF_MIN_MEMLIMIT}) at their defaults or "
            "raise them: a stolen database is guessed that much faster.",
            id="digiamen.E010",
        )
    ]
