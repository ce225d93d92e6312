"""A campaign for tests: Amane's, running from a month ago to a month ahead unless said."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.awareness.models import Campaign
from digiamen.conftest import World

CODE = "SCHOOL-RABAT-2027"


def campaign(world: World, code: str = CODE, **more: Any) -> Campaign:
    today = timezone.localdate()
    values = {
        "organisation": world.amane,
        "code": code,
        "name": "Schools of Rabat",
        "channel": "school_session",
        "admin1": "MA-04",
        "starts_on": today - timedelta(days=30),
        "ends_on": today + timedelta(days=30),
        "created_by": world.alice.user,
        **more,
    }
    return Campaign.objects.create(**values)
