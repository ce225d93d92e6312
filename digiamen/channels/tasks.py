"""Periodic jobs of the text-message channels."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from digiamen.channels import actions, rapidpro


@db_periodic_task(crontab(minute="*/5"))
def expire_conversations() -> int:
    """Abandoned conversations, numbers after the follow-up period, stale outbox messages."""
    return actions.expire_conversations()


@db_periodic_task(crontab(minute="*"))
@lock_task("channels-send-rapidpro-outbox")  # a slow run must not overlap the next: no doubles
def send_rapidpro_outbox() -> int:
    """Counsellors' replies to RapidPro contacts, through the RapidPro API (by contact UUID)."""
    return rapidpro.send_all()
