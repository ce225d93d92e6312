"""Periodic jobs of alerts: escalation of urgent cases nobody opened, delivery retries, text
messages collected (or not) by the gateway, and the daily digest."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from digiamen.alerts import actions, delivery, digest, events, new_reports

# The consumer knows the new-report task (alerts.new_reports) whoever imports it first.
__all__ = ["new_reports"]


@db_periodic_task(crontab(minute="*"))
def escalate_unopened_urgent_cases() -> int:
    return actions.escalate_unopened()


@db_periodic_task(crontab(minute="*"))
def retry_alert_deliveries() -> int:
    return delivery.retry_due()


@db_periodic_task(crontab(minute="*"))
@lock_task("alerts-check-outbox")
def check_alert_texts() -> int:
    """Texts the gateway collected are sent; those it left too long have failed."""
    return delivery.check_outbox()


@db_periodic_task(crontab(minute="*/15"))
@lock_task("alerts-daily-digest")
def send_daily_digests() -> int:
    """Looks every quarter of an hour; sends each member's digest once a day, at the first
    look from ALERT_DIGEST_HOUR on (a consumer that was down at that hour still sends it)."""
    return digest.send_digests()


@db_periodic_task(crontab(minute="*/5"))
def alert_first_contact_deadlines() -> int:
    """Half the time to first contact gone, and the deadline itself."""
    return events.first_contact_deadlines()
