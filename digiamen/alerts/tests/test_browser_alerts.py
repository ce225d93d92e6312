"""The whole path of an urgent report's alerts, in Chromium: the report arrives through the
API; the caseworker on call gets an e-mail (read from a real SMTP server) with nothing of
the case; nobody opens the case for the configured time, so every supervisor is alerted;
a supervisor sees the alert in the app, opens the case from the queue, and the escalation
stops there (the organisation's admin is never woken)."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from digiamen.alerts import actions, texts
from digiamen.alerts.models import Alert
from digiamen.alerts.tests.helpers import MARKERS, Inbox, known_bank, on_call_all_week, smtp_server
from digiamen.cases.models import Case, CaseEvent
from digiamen.channels import actions as channel_actions
from digiamen.conftest import World, browser_sign_in, click_to_next_page

__all__ = ["smtp_server"]

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]


def send_report(base: str, picture: dict[str, Any]) -> None:
    body = {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "narrative": MARKERS[0],
        "involved_accounts": MARKERS[1],
        "contact_method": "email",
        "contact_value": MARKERS[2],
        "image_hashes": [picture],
    }
    request = urllib.request.Request(
        f"{base}/api/v1/reports",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 201


def test_an_urgent_report_alerts_the_on_call_caseworker_then_the_supervisors_until_opened(
    browser: Any, live_server: Any, world: World, smtp_server: Inbox, settings: Any
) -> None:
    settings.ALERT_ESCALATE_MINUTES = 15
    settings.SITE_URL = live_server.url
    sara = world.add_member("sara", world.amane, "supervisor")
    nadia = world.add_member("nadia", world.amane, "supervisor")
    on_call_all_week(world, world.bob.user)
    gateway, gateway_secret = channel_actions.create_gateway(world.amane, name="SMS")
    for member in (world.bob, sara, nadia, world.alice):
        both = ["in_app", "email", "sms"] if member is world.bob else ["in_app", "email"]
        actions.save_preferences(
            member.user,
            email=f"{member.user.username}@example.org",
            channels={"new_report": both, "escalation": ["in_app", "email"]},
            quiet_from=0,
            quiet_to=0,
            phone="+212600000001" if member is world.bob else "",
        )
    picture = known_bank(world)

    send_report(live_server.url, picture)
    case = Case.objects.get()
    assert case.risk_level == "high"

    # The caseworker on call, and nobody else, has an e-mail: nothing of the case in it.
    assert [recipients for recipients, _message in smtp_server.messages] == [["bob@example.org"]]
    message = smtp_server.messages[0][1]
    whole = message.as_string()
    for secret in (*MARKERS, case.number, "sexual", "extortion", "Morocco"):
        assert secret not in whole
    assert f"{live_server.url}/ar/staff/login/" in message.get_content()
    # ... and a text in the gateway's outbox, collected as the gateway collects it.
    outbox = Client().get(
        f"/channels/{gateway.public_id}/outbox", HTTP_AUTHORIZATION=f"Token {gateway_secret}"
    )
    assert outbox.status_code == 200, outbox.content[:300]
    [text] = outbox.json()["messages"]
    assert text["to"] == "+212600000001"
    for secret_value in (*MARKERS, case.number, "sexual", "extortion", "Morocco"):
        assert secret_value not in text["text"]
    with translation.override("ar"):
        assert text["text"] == texts.headline("new_report", True, world.amane.name)

    # Nobody opens it for the configured time: every supervisor is alerted, not the admin.
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=14)) == 0
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=16)) == 2
    escalated = sorted(r[0] for r, _m in smtp_server.messages[1:])
    assert escalated == ["nadia@example.org", "sara@example.org"]
    assert Alert.objects.filter(kind="escalation", recipient=world.alice.user).count() == 0

    # A supervisor sees the alert in the app (French), then opens the case from the queue.
    page = browser_sign_in(browser, live_server.url, sara, "fr")
    badge = page.locator("a.alerts-badge")
    assert badge.inner_text().startswith("1")
    click_to_next_page(page, "a.alerts-badge")
    with translation.override("fr"):
        # The page isolates the organisation's name (FSI … PDI), as any stored name.
        expected = texts.headline("escalation", True, f"\u2068{world.amane.name}\u2069")
    with translation.override("en"):
        assert expected != texts.headline("escalation", True, world.amane.name)  # French
    assert expected in page.inner_text("main")
    for secret in (*MARKERS, case.number):
        assert secret not in page.inner_text("main")
    click_to_next_page(page, "main form.inline-form button")  # mark as read
    assert page.locator("a.alerts-badge").count() == 0
    page.goto(f"{live_server.url}/fr/staff/amane/cases/")
    click_to_next_page(page, f"main a[href$='/cases/{case.number}/']")
    assert MARKERS[0] in page.inner_text("main")
    case.refresh_from_db()
    assert case.opened_at is not None

    # The escalation stops: the admins' step never comes.
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=31)) == 0
    assert not Alert.objects.filter(recipient=world.alice.user).exists()
    steps = list(
        CaseEvent.objects.filter(case=case, kind__in=["alerted", "alert_escalated"])
        .order_by("pk")
        .values_list("kind", "details__step")
    )
    assert steps == [("alerted", "on_call"), ("alert_escalated", "supervisors")]
