"""Demo gateway: one SMS gateway for the first demo organisation."""

from __future__ import annotations

from typing import Any

from digiamen.accounts.models import Organisation
from digiamen.channels import actions


def load(organisations: list[Organisation]) -> dict[str, Any]:
    owner = organisations[0]
    gateway, secret = actions.create_gateway(owner, name="SMS gateway (demo)")
    return {
        "gateways": [{"id": str(gateway.public_id), "secret": secret, "organisation": owner.slug}]
    }
