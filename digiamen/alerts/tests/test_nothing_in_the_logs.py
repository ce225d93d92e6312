"""No log line written while a report's alerts are made, sent, retried, failed, texted and
escalated carries anything of the report, the case number, or a member's address or number.
Every logger at every level is captured, not only the alerts' own."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from digiamen.alerts import actions, delivery
from digiamen.alerts.models import AlertDelivery
from digiamen.alerts.tests.helpers import (
    MARKERS,
    Inbox,
    free_port,
    known_bank,
    on_call_all_week,
    urgent_report,
)
from digiamen.alerts.tests.helpers import smtp_server as smtp_server
from digiamen.cases.models import Case
from digiamen.channels import actions as channel_actions
from digiamen.conftest import World

PHONE = "+212600000001"


def test_no_log_line_of_the_whole_alert_path_names_the_case_or_the_member(
    world: World,
    settings: Any,
    smtp_server: Inbox,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.ALERT_ESCALATE_MINUTES = 15
    sara = world.add_member("sara", world.amane, "supervisor")
    channel_actions.create_gateway(world.amane, name="SMS")
    on_call_all_week(world, world.bob.user)
    actions.save_preferences(
        world.bob.user,
        email="bob.alerts@example.org",
        channels={"new_report": ["in_app", "email", "sms"]},
        quiet_from=0,
        quiet_to=0,
        phone=PHONE,
    )
    # Sara's e-mail goes to a port nobody listens on: retried, then failed, then texted.
    actions.save_preferences(
        sara.user,
        email="sara.alerts@example.org",
        channels={"escalation": ["in_app", "email"]},
        quiet_from=0,
        quiet_to=0,
        phone="+212600000002",
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = urgent_report(world, "logs", known_bank(world))
    case = Case.objects.get(report=report)
    assert AlertDelivery.objects.filter(channel="email", status="sent").count() == 1

    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = free_port(), 2
    settings.ALERT_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.escalate_unopened(case.created_at + timedelta(minutes=16)) == 1
    failing = AlertDelivery.objects.get(channel="email", alert__recipient=sara.user)
    later = case.created_at + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.retry_due(later)
    failing.refresh_from_db()
    assert failing.status == "failed"  # the failure path ran, and logged
    assert any(record.levelno >= logging.WARNING for record in caplog.records)

    secrets = (
        *MARKERS,
        case.number,
        "bob.alerts@example.org",
        "sara.alerts@example.org",
        PHONE,
        "212600000002",
        "sexual",
        "extortion",
    )
    lines = [
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if record.name != "mail.log"  # the test's own SMTP server, not the application
    ]
    assert lines, "nothing was logged: the test would prove nothing"
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"{secret!r} in a log line"
