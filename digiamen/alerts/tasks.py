"""Periodic jobs of alerts: escalation of urgent cases nobody opened, and delivery retries."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.alerts import actions, delivery


@db_periodic_task(crontab(minute="*"))
def escalate_unopened_urgent_cases() -> int:
    return actions.escalate_unopened()


@db_periodic_task(crontab(minute="*"))
def retry_alert_deliveries() -> int:
    return delivery.retry_due()
