"""Demo prevention work: one campaign code per organisation and a season of sessions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.awareness import actions
from digiamen.awareness.models import PARTICIPANT_BANDS, Audience, Campaign, Setting
from digiamen.core import places

# (channel, code prefix, name) per organisation, by its place in the demo.
DEMO_CAMPAIGNS = [
    ("school_session", "SCHOOL", "School safety sessions (demo)"),
    ("radio", "RADIO", "Radio spots for parents (demo)"),
]
SESSIONS_PER_ORGANISATION = 10


def _campaign(organisation: Organisation, index: int, author: Any) -> Campaign:
    channel, prefix, name = DEMO_CAMPAIGNS[index % len(DEMO_CAMPAIGNS)]
    today = datetime.now(UTC).date()
    area = sorted(organisation.admin1_areas or [])[:1] or [
        places.areas(organisation.country)[0].code
    ]
    return actions.create_campaign(
        organisation,
        author,
        {
            "code": f"{prefix}-{organisation.country}-DEMO",
            "name": name,
            "channel": channel,
            "admin1": area[0],
            "starts_on": today - timedelta(days=180),
            "ends_on": today + timedelta(days=180),
        },
    )


def _counts(rng: random.Random, audience: str) -> dict[str, dict[str, int]]:
    children = audience in (Audience.CHILDREN, Audience.ADOLESCENTS, Audience.MIXED)
    counts = {band: {"female": 0, "male": 0} for band in PARTICIPANT_BANDS}
    band = {"children": "10_13", "adolescents": "14_17"}.get(audience, "adult")
    for sex in ("female", "male"):
        counts[band][sex] = rng.randint(8, 40)
        if audience == Audience.MIXED and children:
            counts["adult"][sex] = rng.randint(2, 10)
    return counts


def load(organisations: list[Organisation]) -> dict[str, Any]:
    rng = random.Random(2027)  # noqa: S311 - invented demo figures, reproducible
    codes = []
    for index, organisation in enumerate(organisations):
        member = (
            Membership.objects.active()
            .filter(organisation=organisation, role=Role.SUPERVISOR)
            .select_related("user")
            .first()
        )
        if member is None:
            continue
        campaign = _campaign(organisation, index, member.user)
        codes.append(campaign.code)
        today = datetime.now(UTC).date()
        areas = sorted(organisation.admin1_areas or []) or [campaign.admin1]
        for number in range(SESSIONS_PER_ORGANISATION):
            audience = rng.choice(list(Audience.values))
            actions.record_session(
                organisation,
                member.user,
                {
                    "held_on": today - timedelta(days=170 - number * 17),
                    "admin1": rng.choice(areas),
                    "setting": rng.choice(list(Setting.values)),
                    "audience": audience,
                    "participants": _counts(rng, audience),
                    "campaign": campaign if number % 2 == 0 else None,
                    "facilitator": member.user,
                },
            )
    return {"campaign_codes": codes}
