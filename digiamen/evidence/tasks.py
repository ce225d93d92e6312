"""Periodic evidence work (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from digiamen.evidence import sharing


@db_periodic_task(crontab(minute="40", hour="3"))
def share_network_figures() -> int:
    """Share every sharing member's monthly figures again: late reports and changed consent
    change past months, and a new month begins."""
    return sharing.refresh_shared()


@db_task()
def share_member_figures(member_id: int) -> int:
    """A member just opted in: share its last months now rather than tonight."""
    return sharing.share_if_sharing(member_id)
