"""Periodic job of consultations by text message."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.consultations import texts


@db_periodic_task(crontab(minute="23"))
def expire_text_sessions() -> int:
    """Consultations by text message left unanswered for an hour."""
    return texts.expire()
