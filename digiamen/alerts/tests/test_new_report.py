"""A new report alerts the person on call (or the team) in the app and by e-mail through a
real SMTP server, once and without anything of the report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from digiamen.alerts import actions, delivery
from digiamen.alerts.models import Alert, AlertDelivery
from digiamen.alerts.tests.helpers import (
    MARKERS,
    Inbox,
    known_bank,
    on_call_all_week,
    plain_report,
    smtp_server,
    urgent_report,
)
from digiamen.cases.models import Case, CaseEvent
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

__all__ = ["smtp_server"]


def _on_call_all_week(world: World, member: Any) -> None:
    on_call_all_week(world, member.user)


def test_an_urgent_report_alerts_the_person_on_call_by_email_and_in_the_app(
    world: World, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    _on_call_all_week(world, world.bob)
    actions.save_preferences(
        world.bob.user,
        email="bob@example.org",
        channels={"new_report": ["in_app", "email"]},
        quiet_from=0,
        quiet_to=23,  # quiet nearly all day: an urgent report to the on-call person ignores it
    )
    actions.save_preferences(
        sara.user, email="sara@example.org", channels={}, quiet_from=0, quiet_to=0
    )
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = urgent_report(world, "urgent-1", picture)
    case = Case.objects.get(report=report)
    assert case.risk_level == "high"

    alert = Alert.objects.get()
    assert alert.recipient == world.bob.user and alert.urgent and alert.read_at is None
    assert [d.channel for d in alert.deliveries.all()] == ["in_app", "email"]
    assert alert.deliveries.get(channel="email").status == "sent"

    # The SMTP server on 127.0.0.1 received one e-mail, to bob, in Amane's first language.
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["bob@example.org"]
    assert message["Content-Language"] == "ar"
    body = message.get_content()
    assert "/ar/staff/login/" in body
    assert case.number not in body and case.number not in str(message["Subject"])
    for marker in MARKERS:
        assert marker not in body and marker not in str(message["Subject"])
        assert marker not in str(message)
    # Nor the harm type, nor the place.
    for word in ("sexual", "extortion", "MA-", "Morocco"):
        assert word not in body

    # The timeline and the audit log say who was alerted, in numbers only.
    event = CaseEvent.objects.get(case=case, kind="alerted")
    assert event.details == {"step": "on_call", "recipients": 1, "urgent": True}
    assert AuditEvent.objects.filter(action="case.alerted").exists()


def test_with_nobody_on_call_the_team_is_alerted_in_the_app(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    world.add_member("sara", world.amane, "supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        report = plain_report("plain-1")
    alerts = Alert.objects.order_by("recipient__username")
    assert [a.recipient.username for a in alerts] == ["bob", "sara"]
    assert not any(a.urgent for a in alerts)
    # Nobody gave an address: in the app only.
    assert not AlertDelivery.objects.filter(channel="email").exists() and mailoutbox == []
    assert CaseEvent.objects.get(case__report=report, kind="alerted").details["step"] == "team"


def test_the_same_report_never_alerts_twice(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = plain_report("twice")
    assert Alert.objects.count() == 1
    assert actions.alert_new_report(report.pk) == []
    assert Alert.objects.count() == 1
    assert CaseEvent.objects.filter(kind="alerted").count() == 1


def test_no_alert_for_a_report_that_was_not_stored(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiamen.intake.life import report_life

    def broken(report: Any, matches: Any) -> None:
        raise RuntimeError("not stored")

    monkeypatch.setattr(report_life, "_known_picture_found", broken)
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        urgent_report(world, "not-stored", picture)
    assert not Alert.objects.exists()


def test_an_unreachable_smtp_server_is_retried_then_recorded_failed(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from digiamen.alerts.tests.helpers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.ALERT_MAX_ATTEMPTS = 3
    _on_call_all_week(world, world.bob)
    actions.save_preferences(
        world.bob.user,
        email="bob@example.org",
        channels={"new_report": ["email"]},
        quiet_from=0,
        quiet_to=0,
    )
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = urgent_report(world, "unreachable", picture)  # no exception reaches here
    email = AlertDelivery.objects.get(channel="email")
    assert email.status == "retrying" and email.attempts == 1
    assert email.last_error == "ConnectionRefusedError"
    # Not due yet: nothing is attempted.
    now = timezone.now()
    assert delivery.retry_due(now) == 0
    # Back-off: 1 minute, then 2; the third attempt is the last.
    assert delivery.retry_due(now + timedelta(minutes=1, seconds=1)) == 1
    email.refresh_from_db()
    assert email.status == "retrying" and email.attempts == 2
    assert delivery.retry_due(now + timedelta(minutes=4)) == 1
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 3 and email.next_attempt_at is None
    assert delivery.retry_due(now + timedelta(hours=2)) == 0
    failure = AuditEvent.objects.get(action="alert.delivery_failed")
    assert "bob@example.org" not in str(failure.details)
    # The case is not affected; the alert still waits in the app.
    case = Case.objects.get(report=report)
    assert case.status == "new" and case.risk_level == "high"
    assert Alert.objects.get().read_at is None
