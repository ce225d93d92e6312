"""Demo channels: an SMS gateway and a field worker (ODK Collect) for the first organisation."""

from __future__ import annotations

import secrets
from typing import Any

from digiamen.accounts.models import Organisation
from digiamen.channels import actions
from digiamen.channels.field_workers import create_field_worker


def load(organisations: list[Organisation]) -> dict[str, Any]:
    owner = organisations[0]
    gateway, secret = actions.create_gateway(owner, name="SMS gateway (demo)")
    password = "field-" + secrets.token_urlsafe(12)
    worker = create_field_worker(owner, None, f"{owner.slug}-field-worker", password)
    return {
        "gateways": [{"id": str(gateway.public_id), "secret": secret, "organisation": owner.slug}],
        "field_workers": [
            {"username": worker.username, "password": password, "organisation": owner.slug}
        ],
    }
