"""Start-up check: the network signing key is this instance's own (not SECRET_KEY's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from digiamen.core.checks import TAG
from digiamen.evidence.network import legacy_signing_seed, parse_signing_seed


@register(TAG)
def network_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    hint = (
        "Run manage.py network_signing_key /etc/digiamen/network_signing_key and set "
        "NETWORK_SIGNING_KEY_FILE to that file (docs/operations.md)."
    )
    seed = parse_signing_seed(settings.NETWORK_SIGNING_KEY)
    if seed is None:
        return [
            Error(
                "NETWORK_SIGNING_KEY is missing or not 32 bytes in base64.",
                hint=hint,
                id="digiamen.E104",
            )
        ]
    if settings.SECRET_KEY and seed == legacy_signing_seed():
        return [
            Warning(
                "The network signing key is still the one derived from SECRET_KEY.",
                hint="Make a new one and send its public key to the other instances: " + hint,
                id="digiamen.W104",
            )
        ]
    return []
