"""A new report's alerts are made by the queue, not by the request that stored the report:
a report in a surge costs its sender the receipt's derivation and its own writes, not the
fan-out to the team (on-call lookup, an alert and deliveries per member, the e-mails'
queueing). The queue's consumer takes it within moments (a blocking pop on Redis); if the
queue cannot take it, the request makes the alerts itself, as before."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from digiamen.alerts import actions
from digiamen.alerts.models import Alert
from digiamen.intake.models import Report

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=10)
def make_new_report_alerts(report_id: int) -> int:
    return len(actions.alert_new_report(report_id))


def _queue_or_make(report_id: int) -> list[Alert] | None:
    try:
        make_new_report_alerts(report_id)
    except Exception:  # the queue is down: the alerts are made here and now
        logger.warning("new-report alerts not queued; made in the request")
        return actions.alert_new_report(report_id)
    return None


def report_stored(report: Report) -> None:
    """The report's life stage ``staff_alerted``, inside the report's transaction: the alerts
    are queued once it has committed (none for a report that was not stored), and no query
    is added to the report's own."""
    report_id = report.pk
    actions.after_commit(lambda: _queue_or_make(report_id))
