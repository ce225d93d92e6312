"""The only writers of awareness data: each change audited, with no names in it."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.awareness.models import CHILD_BANDS, AwarenessSession, Campaign, LessonVersion
from digiamen.core import audit
from digiamen.core.errors import ActionError as BaseActionError


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


class ActionError(BaseActionError):
    messages: ClassVar[dict[str, Any]] = {
        "published": _("This version is published already."),
        "same_member": _("Another member publishes what you drafted: a second reader checks it."),
    }


def draft_lesson(
    organisation: Organisation,
    actor: User,
    *,
    harm_type: str,
    audience: str,
    language: str,
    title: str,
    body: str,
) -> LessonVersion:
    """A new version, waiting for another member to publish it (every version is kept)."""
    with transaction.atomic():
        version = LessonVersion.objects.create(
            organisation=organisation,
            harm_type=harm_type,
            audience=audience,
            language=language,
            title=title,
            body=body,
            drafted_by=actor,
        )
        audit.record(
            "awareness.lesson_drafted",
            actor=actor,
            organisation=organisation,
            obj=version,
            details={"lesson": f"{harm_type}.{audience}.{language}"},
        )
    return version


def publish_lesson(version: LessonVersion, actor: User) -> LessonVersion:
    """The second person's decision: whoever drafted a version cannot publish it."""
    with transaction.atomic():
        version = LessonVersion.objects.select_for_update().get(pk=version.pk)
        if version.published_at is not None:
            raise ActionError("published")
        if version.drafted_by_id == actor.pk:
            raise ActionError("same_member")
        version.published_by = actor
        version.published_at = timezone.now()
        version.save(update_fields=["published_by", "published_at"])
        audit.record(
            "awareness.lesson_published",
            actor=actor,
            organisation=version.organisation,
            obj=version,
            details={"lesson": f"{version.harm_type}.{version.audience}.{version.language}"},
        )
    return version
