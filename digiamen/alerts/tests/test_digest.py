"""The daily digest: non-urgent e-mails wait for it, urgent ones never do; one e-mail a day
from the digest hour on, with counts per kind and nothing of any case; none when nothing
waits; what it included is stored, so nothing is counted twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from digiamen.alerts import actions, digest
from digiamen.alerts.models import AlertDelivery, AlertDigest
from digiamen.alerts.tests.helpers import MARKERS, Inbox, free_port, plain_report, smtp_server
from digiamen.cases.models import Case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

__all__ = ["smtp_server"]

# 07:59 in Rabat (UTC+1 in December): the digest hour of Amane is a minute away.
MONDAY_7_59 = datetime(2026, 12, 7, 6, 59, tzinfo=UTC)


def _bob_takes_the_digest(world: World, **more: Any) -> None:
    actions.save_preferences(
        world.bob.user,
        email="bob@example.org",
        channels={"new_report": ["in_app", "email"], "assigned": ["in_app", "email"]},
        quiet_from=0,
        quiet_to=0,
        language="en",
        daily_digest=True,
        **more,
    )


def test_non_urgent_emails_wait_for_one_digest_a_day_and_urgent_ones_do_not(
    world: World, settings: Any, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALERT_DIGEST_HOUR = 8
    _bob_takes_the_digest(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = plain_report("digest-1")
        plain_report("digest-2")
        actions.create_alerts(
            world.amane, [world.bob.user], kind="assigned", urgent=False, dedup_key="assigned:x"
        )
        # Urgent: at once, never in the digest.
        actions.create_alerts(
            world.amane, [world.bob.user], kind="new_report", urgent=True, dedup_key="report:u"
        )
    assert len(smtp_server.messages) == 1
    assert AlertDelivery.objects.filter(channel="email", status="digest").count() == 3

    # Before the hour: nothing.
    assert digest.send_digests(MONDAY_7_59) == 0
    assert len(smtp_server.messages) == 1 and not AlertDigest.objects.exists()

    assert digest.send_digests(MONDAY_7_59 + timedelta(minutes=6)) == 1
    assert len(smtp_server.messages) == 2
    recipients, message = smtp_server.messages[1]
    assert recipients == ["bob@example.org"] and message["Content-Language"] == "en"
    body = message.get_content()
    assert "3 alerts in Amane:" in body
    assert "- A new report: 2" in body and "- A case assigned to you: 1" in body
    assert "/en/staff/login/" in body
    case = Case.objects.get(report=first)
    assert case.number not in body
    for marker in MARKERS:
        assert marker not in str(message)
    sent = AlertDigest.objects.get()
    assert sent.day.isoformat() == "2026-12-07" and sent.status == "sent"
    assert sent.counts == {str(world.amane.pk): {"new_report": 2, "assigned": 1}}
    assert set(sent.deliveries.values_list("status", flat=True)) == {"sent"}
    assert sent.deliveries.count() == 3

    # Later the same day: no second digest, even with a new alert waiting.
    with django_capture_on_commit_callbacks(execute=True):
        plain_report("digest-3")
    assert digest.send_digests(MONDAY_7_59 + timedelta(hours=3)) == 0
    assert len(smtp_server.messages) == 2 and AlertDigest.objects.count() == 1

    # The next day: only what was not included yet.
    assert digest.send_digests(MONDAY_7_59 + timedelta(days=1, minutes=1)) == 1
    assert "- A new report: 1" in smtp_server.messages[2][1].get_content()
    assert AlertDigest.objects.order_by("day").last().counts == {  # type: ignore[union-attr]
        str(world.amane.pk): {"new_report": 1}
    }
    # The day after, with nothing waiting: no digest, no e-mail.
    assert digest.send_digests(MONDAY_7_59 + timedelta(days=2, minutes=1)) == 0
    assert len(smtp_server.messages) == 3 and AlertDigest.objects.count() == 2


def test_a_digest_that_cannot_be_sent_is_retried_then_shown_failed(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.ALERT_MAX_ATTEMPTS = 2
    _bob_takes_the_digest(world)
    with django_capture_on_commit_callbacks(execute=True):
        plain_report("digest-down")
    now = MONDAY_7_59 + timedelta(minutes=2)
    assert digest.send_digests(now) == 0
    made = AlertDigest.objects.get()
    assert made.status == "retrying" and made.last_error == "ConnectionRefusedError"
    assert digest.send_digests(now + timedelta(minutes=2)) == 0
    made.refresh_from_db()
    assert made.status == "failed" and made.attempts == 2
    assert AlertDelivery.objects.get(channel="email").status == "failed"
    failure = AuditEvent.objects.get(action="alert.delivery_failed")
    assert failure.organisation_id == world.amane.pk and failure.details["channel"] == "digest"
    assert "bob@example.org" not in str(failure.details)
    # Failed for good: never again, and never a second digest that day.
    assert digest.send_digests(now + timedelta(hours=2)) == 0
    assert AlertDigest.objects.count() == 1
