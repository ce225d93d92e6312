"""Sharing a network member's figures: the work the background jobs do (``tasks``) and the
actions start (``actions.set_sharing``)."""

from __future__ import annotations

from django.utils import timezone

from digiamen.evidence import network as aggregates
from digiamen.networks.models import NetworkMember


def share_if_sharing(member_id: int) -> int:
    """Share a member's figures if it still shares (it may have stopped meanwhile)."""
    member = (
        NetworkMember.objects.filter(pk=member_id, shares_statistics=True)
        .select_related("network", "organisation")
        .first()
    )
    return aggregates.share(member, timezone.localdate()) if member is not None else 0


def refresh_shared() -> int:
    """Share again the figures of every sharing member (late reports, changed consent)."""
    day = timezone.localdate()
    cells = 0
    for member in NetworkMember.objects.filter(shares_statistics=True).select_related(
        "network", "organisation"
    ):
        cells += aggregates.share(member, day)
    return cells
