"""The only writers of awareness data: each change audited, with no names in it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from digiamen.accounts.models import Organisation, User
from digiamen.awareness.models import CHILD_BANDS, AwarenessSession, Campaign
from digiamen.core import audit


def create_campaign(organisation: Organisation, actor: User, data: dict[str, Any]) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organisation=organisation,
            code=data["code"],
            name=data["name"],
            channel=data["channel"],
            admin1=data.get("admin1") or "",
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            created_by=actor,
        )
        audit.record(
            "awareness.campaign_created",
            actor=actor,
            organisation=organisation,
            obj=campaign,
            details={"code": campaign.code},
        )
    return campaign


def record_session(
    organisation: Organisation, actor: User, data: dict[str, Any]
) -> AwarenessSession:
    participants: dict[str, dict[str, int]] = data["participants"]
    children = sum(sum(participants[band].values()) for band in CHILD_BANDS)
    everyone = sum(sum(counts.values()) for counts in participants.values())
    with transaction.atomic():
        session = AwarenessSession.objects.create(
            organisation=organisation,
            held_on=data["held_on"],
            admin1=data["admin1"],
            setting=data["setting"],
            audience=data["audience"],
            participants=participants,
            children_reached=children,
            adults_reached=everyone - children,
            campaign=data.get("campaign"),
            facilitator=data.get("facilitator"),
            recorded_by=actor,
        )
        audit.record(
            "awareness.session_recorded",
            actor=actor,
            organisation=organisation,
            obj=session,
            details={"participants": everyone},
        )
    return session
