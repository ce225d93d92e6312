"""A new report's alerts are made by the queue, not by the request that stored the report:
a report in a surge costs its sender the receipt's derivation and its own writes, not the
fan-out to the team (on-call lookup, an alert and deliveries per member, the e-mails'
queueing).

The request writes one row in the report's own transaction (the report waits for its
alerts) and, once it has committed, schedules the queue's run unless one is scheduled
already. The run starts a moment later and alerts every waiting report at once: in a surge
of reports the queue does one run a second, not one task a report. A run lost on the way
(the queue down, a consumer killed) leaves its rows for the next one, and a sweep every
minute takes whatever is still waiting."""

from __future__ import annotations

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from digiamen.alerts import actions
from digiamen.intake.models import Report

logger = logging.getLogger(__name__)

# Set while a run is scheduled and not yet started (in the queue's own storage).
RUN_SCHEDULED = "alerts-new-reports-scheduled"
# How long reports gather before a run: alerts leave at most this much later.
GATHER_SECONDS = 1


@db_task(retries=3, retry_delay=10)
def make_new_report_alerts(*queued_before_runs: int) -> None:
    """``queued_before_runs``: a report id, from a task the version before runs queued for
    each report (still waiting on the queue across an upgrade)."""
    # Cleared first: a report stored from now on schedules the next run.
    HUEY.get(RUN_SCHEDULED)
    if queued_before_runs:
        actions.alert_new_reports(queued_before_runs)
    actions.alert_pending_new_reports()


@db_periodic_task(crontab(minute="*"))
def sweep_new_report_alerts() -> None:
    """Reports a lost run left waiting; also clears a flag that run left set."""
    HUEY.get(RUN_SCHEDULED)
    actions.alert_pending_new_reports()


def schedule_run() -> None:
    """Once the report has committed: a run in a moment, unless one is scheduled already."""
    try:
        if not HUEY.put_if_empty(RUN_SCHEDULED, 1):
            return
        if HUEY.immediate:  # tests: the run happens here and now
            make_new_report_alerts()
        else:
            make_new_report_alerts.schedule(delay=GATHER_SECONDS)
    except Exception:  # the queue is down: the sweep makes the alerts
        logger.warning("new-report alerts not scheduled; the sweep makes them")


def report_stored(report: Report) -> None:
    """The report's life stage ``staff_alerted``, inside the report's transaction: the
    report waits for its alerts, and the queue's run is scheduled once the transaction has
    committed (nothing for a report that was not stored)."""
    actions.wait_for_alerts(report)
    transaction.on_commit(schedule_run)
