"""Periodic job of the feedback questions."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.feedback import texts


@db_periodic_task(crontab(minute="17"))
def expire_text_questions() -> int:
    """Questions by text message left unanswered for a week."""
    return texts.expire()
