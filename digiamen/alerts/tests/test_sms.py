"""Text alerts through the organisation's SMS gateway outbox: collected by the gateway ->
sent; never collected -> failed, shown to the admin, then the e-mail; no gateway -> failed
at once, then the e-mail; an e-mail refused -> the text. Never a case detail in either, and
never the same alert twice on one channel."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.utils import timezone, translation

from digiamen.alerts import actions, delivery, texts
from digiamen.alerts.models import Alert, AlertDelivery, AlertPreference
from digiamen.alerts.tests.helpers import (
    MARKERS,
    Inbox,
    known_bank,
    on_call_all_week,
    plain_report,
    smtp_server,
    urgent_report,
)
from digiamen.cases.models import Case
from digiamen.channels import actions as channel_actions
from digiamen.channels.models import Gateway, OutboundMessage
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

__all__ = ["smtp_server"]

BOB_PHONE = "+212600000001"


def _on_call(world: World) -> None:
    on_call_all_week(world, world.bob.user)


def _bob_wants(world: World, channels: list[str], *, email: str = "", language: str = "") -> None:
    actions.save_preferences(
        world.bob.user,
        email=email,
        channels={"new_report": channels, "escalation": channels},
        quiet_from=0,
        quiet_to=0,
        phone=BOB_PHONE,
        language=language,
    )


def _gateway(world: World) -> tuple[Gateway, str]:
    return channel_actions.create_gateway(world.amane, name="SMS")


def _collect(gateway: tuple[Gateway, str]) -> list[dict[str, Any]]:
    """What the gateway does: GET its outbox, then POST the ids it has."""
    headers = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    url = f"/channels/{gateway[0].public_id}/outbox"
    messages: list[dict[str, Any]] = Client().get(url, **headers).json()["messages"]
    marked = Client().post(
        url,
        json.dumps({"sent": [m["id"] for m in messages]}),
        content_type="application/json",
        **headers,
    )
    assert marked.json() == {"marked": len(messages)}
    return messages


def test_an_urgent_report_texts_the_person_on_call_through_the_gateway_with_no_case_detail(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: list[Any]
) -> None:
    gateway = _gateway(world)
    _on_call(world)
    _bob_wants(world, ["in_app", "sms"], language="fr")
    stored = AlertPreference.objects.get(user=world.bob.user)
    assert BOB_PHONE.encode() not in bytes(stored.phone) and b"212600" not in bytes(stored.phone)
    assert actions.current_phone(world.bob.user) == BOB_PHONE
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = urgent_report(world, "sms-1", picture)
    case = Case.objects.get(report=report)
    text = AlertDelivery.objects.get(channel="sms")
    assert text.status == "outbox" and text.outbox_id is not None and text.sent_at is None
    row = OutboundMessage.objects.get()
    assert row.report_id is None and row.pk == text.outbox_id
    assert BOB_PHONE.encode() not in bytes(row.reply_to) and b"Amane" not in bytes(row.text)
    # Not collected yet: still waiting.
    assert delivery.check_outbox() == 0

    [message] = _collect(gateway)
    assert message["to"] == BOB_PHONE
    with translation.override("fr"):
        expected = texts.headline("new_report", True, "Amane")
    assert message["text"] == expected and "signalement urgent" in expected
    assert case.number not in message["text"]
    for marker in (*MARKERS, "sexual", "extortion", "Morocco"):
        assert marker not in message["text"]

    assert delivery.check_outbox() == 1
    text.refresh_from_db()
    assert text.status == "sent" and text.sent_at is not None and text.attempts == 1
    assert mailoutbox == []  # the text went: no fallback
    assert delivery.check_outbox() == 0


def test_a_text_the_gateway_never_collects_fails_is_shown_to_the_admin_and_falls_back_to_email(
    world: World, settings: Any, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALERT_SMS_COLLECT_MINUTES = 10
    gateway = _gateway(world)
    _on_call(world)
    _bob_wants(world, ["in_app", "sms"], email="bob@example.org", language="en")
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True):
        urgent_report(world, "sms-never", picture)
    text = AlertDelivery.objects.get(channel="sms")
    assert text.status == "outbox" and smtp_server.messages == []
    queued_at = text.last_attempt_at
    assert queued_at is not None

    assert delivery.check_outbox(queued_at + timezone.timedelta(minutes=9)) == 0
    assert delivery.check_outbox(queued_at + timezone.timedelta(minutes=11)) == 1
    text.refresh_from_db()
    assert text.status == "failed" and text.last_error == "not_collected"
    # Taken back out of the outbox: the gateway cannot send it late.
    assert not OutboundMessage.objects.exists()
    assert _collect(gateway) == []
    failure = AuditEvent.objects.get(action="alert.delivery_failed")
    assert failure.organisation_id == world.amane.pk
    assert failure.details == {"channel": "sms", "attempts": 1, "error": "not_collected"}
    assert BOB_PHONE not in json.dumps(failure.details)

    # The e-mail went instead, through the real SMTP server, recorded as a fallback.
    email = AlertDelivery.objects.get(channel="email")
    assert email.status == "sent" and email.fallback_for == "sms"
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["bob@example.org"] and message["Content-Language"] == "en"
    for marker in MARKERS:
        assert marker not in str(message)
    # Nothing more: the e-mail does not fall back, the text is not sent again.
    assert delivery.check_outbox(queued_at + timezone.timedelta(hours=1)) == 0
    assert AlertDelivery.objects.filter(channel="sms").count() == 1


def test_without_an_sms_gateway_the_text_fails_at_once_and_the_email_goes(
    world: World, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    # A RapidPro gateway sends to contacts, not numbers; an inactive one sends nothing.
    channel_actions.create_gateway(world.amane, name="RP", provider=Gateway.Provider.RAPIDPRO)
    inactive, _secret = _gateway(world)
    Gateway.objects.filter(pk=inactive.pk).update(is_active=False)
    _on_call(world)
    _bob_wants(world, ["in_app", "sms"], email="bob@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        urgent_report(world, "no-gateway", known_bank(world))
    text = AlertDelivery.objects.get(channel="sms")
    assert text.status == "failed" and text.last_error == "no_sms_gateway" and text.attempts == 1
    assert not OutboundMessage.objects.exists()
    assert AuditEvent.objects.get(action="alert.delivery_failed").details["error"] == (
        "no_sms_gateway"
    )
    email = AlertDelivery.objects.get(channel="email")
    assert email.status == "sent" and email.fallback_for == "sms"
    assert [r for r, _m in smtp_server.messages] == [["bob@example.org"]]


def test_without_a_gateway_nor_an_address_the_alert_stays_in_the_app(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    _on_call(world)
    _bob_wants(world, ["in_app", "sms"])
    with django_capture_on_commit_callbacks(execute=True):
        plain_report("nothing-else")
    assert AlertDelivery.objects.get(channel="sms").status == "failed"
    assert not AlertDelivery.objects.filter(channel="email").exists()
    assert Alert.objects.get().read_at is None


class Refusing(Inbox):
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return "550 5.1.1 No such mailbox"


def test_an_email_refused_for_good_falls_back_to_a_text_once(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from aiosmtpd.controller import Controller

    from digiamen.alerts.tests.helpers import free_port

    inbox = Refusing(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", inbox.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
        settings.ALERT_MAX_ATTEMPTS = 2
        gateway = _gateway(world)
        _on_call(world)
        _bob_wants(world, ["in_app", "email"], email="nobody@example.org", language="ar")
        with django_capture_on_commit_callbacks(execute=True):
            urgent_report(world, "refused", known_bank(world))
        email = AlertDelivery.objects.get(channel="email")
        assert email.status == "retrying" and email.last_error.startswith("SMTPRecipientsRefused")
        assert not AlertDelivery.objects.filter(channel="sms").exists()
        assert email.next_attempt_at is not None
        delivery.retry_due(email.next_attempt_at)
    finally:
        controller.stop()
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 2 and inbox.messages == []
    text = AlertDelivery.objects.get(channel="sms")
    assert text.fallback_for == "email" and text.status == "outbox"
    [message] = _collect(gateway)
    assert message["to"] == BOB_PHONE
    with translation.override("ar"):
        assert message["text"] == texts.headline("new_report", True, "Amane")
    assert delivery.check_outbox() == 1
    text.refresh_from_db()
    assert text.status == "sent"
    # One delivery per channel, each once.
    assert sorted(AlertDelivery.objects.values_list("channel", flat=True)) == [
        "email",
        "in_app",
        "sms",
    ]
    assert AuditEvent.objects.filter(action="alert.delivery_failed").count() == 1


def test_quiet_hours_hold_back_the_fallback_of_an_alert_that_is_not_urgent(
    world: World, settings: Any
) -> None:
    from datetime import UTC, datetime

    from digiamen.alerts.tests.helpers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.ALERT_MAX_ATTEMPTS = 1
    _gateway(world)
    _bob_wants(world, ["in_app", "email"], email="bob@example.org")
    calm, urgent = (
        actions.create_alerts(
            world.amane, [world.bob.user], kind="new_report", urgent=flag, dedup_key=f"r:{flag}"
        )[0]
        for flag in (False, True)
    )
    AlertPreference.objects.filter(user=world.bob.user).update(quiet_from=1, quiet_to=6)
    three_am = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    for alert in (calm, urgent):
        assert delivery.attempt(alert.deliveries.get(channel="email").pk, three_am) == "failed"
    assert not calm.deliveries.filter(channel="sms").exists()
    assert urgent.deliveries.get(channel="sms").status == "outbox"
