"""Periodic jobs of the text-message channels."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.channels import actions


@db_periodic_task(crontab(minute="*/5"))
def expire_conversations() -> int:
    return actions.expire_conversations()
