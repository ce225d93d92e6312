"""A stored report waits for its alerts in a row of its own; the queue's run alerts every
waiting report at once, reading each organisation's team and rota once; a run that was
lost is made up by the sweep. On Redis, a surge of reports schedules one run, not one task
a report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey import RedisHuey
from huey.consumer import Consumer

from digiamen.alerts import actions, new_reports
from digiamen.alerts.models import Alert, PendingNewReport
from digiamen.alerts.tests.helpers import plain_report, task_on_redis
from digiamen.cases.models import Case
from digiamen.conftest import World
from digiamen.intake import actions as intake_actions


def _report_for(organisation: Any, submission_id: str) -> int:
    return intake_actions.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA", "narrative": "x"},
        channel="web",
        submission_id=submission_id,
        organisation=organisation,
    ).report.pk


def _team_reads(queries: list[dict[str, Any]]) -> int:
    return sum('FROM "accounts_membership"' in query["sql"] for query in queries)


def test_reports_wait_for_their_alerts_until_one_run_makes_them_all(world: World) -> None:
    # Inside the test's transaction nothing commits: no run is scheduled, the rows wait.
    amane_reports = [_report_for(world.amane, f"wait-{n}") for n in range(3)]
    jordan_reports = [_report_for(world.jordan, f"wait-j-{n}") for n in range(2)]
    assert sorted(PendingNewReport.objects.values_list("report_id", flat=True)) == sorted(
        amane_reports + jordan_reports
    )
    assert not Alert.objects.exists()

    with CaptureQueriesContext(connection) as queries:
        made = actions.alert_pending_new_reports()

    # Bob (Amane) and Charlie (Jordan) are their organisations' only caseworkers.
    assert sorted((alert.recipient.username, alert.dedup_key) for alert in made) == sorted(
        [("bob", f"report:{pk}") for pk in amane_reports]
        + [("charlie", f"report:{pk}") for pk in jordan_reports]
    )
    assert not PendingNewReport.objects.exists()
    # Each organisation's team was read once for all its reports, not once a report.
    assert _team_reads(queries.captured_queries) == 2
    # A second run finds nothing and makes nothing.
    assert actions.alert_pending_new_reports() == []


def test_a_run_costs_the_same_few_queries_however_many_reports_wait_for_nobody(
    db: Any,
) -> None:
    from digiamen.accounts import actions as account_actions

    quiet = account_actions.create_organisation(slug="quiet", name="Quiet", country="MA")
    counts = []
    for size in (1, 12):
        for n in range(size):
            _report_for(quiet.organisation, f"quiet-{size}-{n}")
        with CaptureQueriesContext(connection) as queries:
            assert actions.alert_pending_new_reports() == []
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert not PendingNewReport.objects.exists()


def test_one_failing_report_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = plain_report("fail-1").pk, plain_report("fail-2").pk
    real = actions.create_alerts

    def failing_for_first(organisation: Any, users: Any, **kwargs: Any) -> Any:
        if kwargs["dedup_key"] == f"report:{first}":
            raise RuntimeError("broken")
        return real(organisation, users, **kwargs)

    monkeypatch.setattr(actions, "create_alerts", failing_for_first)
    made = actions.alert_pending_new_reports()
    assert [alert.dedup_key for alert in made] == [f"report:{second}"]
    assert not PendingNewReport.objects.exists()


def test_a_report_not_stored_leaves_nothing_waiting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiamen.core import audit

    def refusing(*_: Any, **__: Any) -> None:
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr(audit, "record", refusing)
    with pytest.raises(RuntimeError):
        plain_report("not-stored")
    assert not Case.objects.exists()
    assert not PendingNewReport.objects.exists()


def test_when_the_queue_is_down_the_sweep_makes_the_alerts(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def queue_down(*_: Any, **__: Any) -> bool:
        raise ConnectionError("redis is down")

    with monkeypatch.context() as patch:
        patch.setattr(new_reports.HUEY, "put_if_empty", queue_down)
        with django_capture_on_commit_callbacks(execute=True):
            report = plain_report("down-1")
    assert not Alert.objects.exists()
    assert PendingNewReport.objects.filter(report=report).exists()

    new_reports.sweep_new_report_alerts()
    assert Alert.objects.get().dedup_key == f"report:{report.pk}"
    assert not PendingNewReport.objects.exists()


def test_a_flag_left_set_by_a_lost_run_is_cleared_by_the_sweep(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    new_reports.HUEY.put_if_empty(new_reports.RUN_SCHEDULED, 1)  # a run that never came
    with django_capture_on_commit_callbacks(execute=True):
        waiting = plain_report("stuck-1")
    assert not Alert.objects.exists()  # a run is thought to be on its way

    new_reports.sweep_new_report_alerts()
    assert Alert.objects.get().dedup_key == f"report:{waiting.pk}"
    # The flag is gone: the next report schedules its run (here, immediately made).
    with django_capture_on_commit_callbacks(execute=True):
        following = plain_report("stuck-2")
    assert Alert.objects.filter(dedup_key=f"report:{following.pk}").exists()


def test_a_task_queued_by_the_version_before_runs_still_alerts_its_report(world: World) -> None:
    """Across an upgrade, the queue may still hold a task of the old kind, one per report
    with its id; the report has no waiting row (it was stored before the migration)."""
    report = plain_report("before-runs")
    PendingNewReport.objects.filter(report=report).delete()
    new_reports.make_new_report_alerts(report.pk)
    assert Alert.objects.get().dedup_key == f"report:{report.pk}"


@pytest.fixture
def redis_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisHuey]:
    """The new-report run on a queue of its own on Redis, for this test only."""
    for redis_huey in task_on_redis(monkeypatch, new_reports.make_new_report_alerts):
        monkeypatch.setattr(new_reports, "HUEY", redis_huey)
        yield redis_huey


@pytest.mark.needs("redis")
def test_a_surge_on_redis_schedules_one_run_that_alerts_every_report(
    transactional_db: Any, world: World, redis_queue: RedisHuey
) -> None:
    reports = [plain_report(f"surge-{n}").pk for n in range(6)]

    # Six reports committed: one run waits on Redis (due a moment later), not six tasks.
    assert redis_queue.pending_count() == 1
    assert PendingNewReport.objects.count() == 6

    consumer = Consumer(
        redis_queue, workers=1, periodic=False, initial_delay=0.05, scheduler_interval=1
    )
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while PendingNewReport.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)

    assert sorted(Alert.objects.values_list("dedup_key", flat=True)) == sorted(
        f"report:{pk}" for pk in reports
    )
    assert not PendingNewReport.objects.exists()
    # The run cleared its flag: the next report schedules a run of its own.
    plain_report("after-surge")
    assert redis_queue.pending_count() == 1
