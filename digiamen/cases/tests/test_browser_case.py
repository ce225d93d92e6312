"""The whole life of a sextortion case, in Arabic, in Chromium with JavaScript off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from digiamen.cases.actions import settings_for
from digiamen.cases.models import Case, Escalation, ProtocolTick, Transfer
from digiamen.cases.tasks import purge_cases_past_retention
from digiamen.conftest import World, browser_sign_in, click_to_next_page
from digiamen.intake import actions as intake_actions
from digiamen.intake.receipts import format_receipt

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]


def test_life_of_a_sextortion_case_in_arabic(browser: Any, live_server: Any, world: World) -> None:
    submission = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "platforms": ["instagram"],
            "narrative": "يهددني بنشر صوري إن لم أدفع",
            "involved_accounts": "@bad_guy",
            "consent_contact": True,
            "consent_referral": True,
            "consent_statistics": True,
        },
        channel="web",
        submission_id="life",
    )
    case = Case.objects.get(report=submission.report)
    sara = world.add_member("sara", world.amane, "supervisor")
    base = live_server.url
    case_url = f"{base}/ar/staff/amane/cases/{case.number}/"

    supervisor = browser_sign_in(browser, base, sara)
    supervisor.goto(case_url)
    assert supervisor.locator("html").get_attribute("dir") == "rtl"
    supervisor.check("input[name=flags][value=active_threat_to_share]")
    supervisor.check("input[name=risk][value=high]")
    supervisor.click("form[action$='/step/triage/'] button")
    supervisor.select_option("select[name=assignee]", str(world.bob.user.pk))
    supervisor.click("form[action$='/step/assign/'] button")
    case.refresh_from_db()
    assert case.risk_level == "high" and case.assigned_to == world.bob.user

    bob = browser_sign_in(browser, base, world.bob)
    bob.goto(case_url)
    assert "يهددني بنشر صوري" in bob.inner_text("main")
    bob.click("form[action$='/step/start/'] button")
    bob.click("form[action$='/step/first_contact/'] button")
    bob.click("form[action*='/protocol/sexual_extortion-2/'] button")
    bob.fill("form[action$='/reply/'] textarea[name=text]", "لا تدفع. نحن هنا لمساعدتك.")
    bob.click("form[action$='/reply/'] button")
    bob.select_option("form[action$='/escalations/'] select[name=platform]", "instagram")
    bob.select_option("form[action$='/escalations/'] select[name=kind]", "takedown")
    bob.fill(
        "form[action$='/escalations/'] input[name=reference]", "https://instagram.example/bad_guy"
    )
    bob.click("form[action$='/escalations/'] button")
    escalation = Escalation.objects.get()
    bob.select_option(f"select#answer-{escalation.pk}", "removed")
    bob.click(f"form[action$='/escalations/{escalation.pk}/'] button")
    escalation.refresh_from_db()
    assert escalation.outcome == "removed" and ProtocolTick.objects.filter(case=case).exists()

    reporter = browser.new_context(java_script_enabled=False).new_page()
    reporter.goto(f"{base}/ar/followup/")
    reporter.fill("input[name=receipt]", format_receipt(submission.receipt))
    click_to_next_page(reporter, "main button[type=submit]")
    assert "لا تدفع. نحن هنا لمساعدتك." in reporter.inner_text("main")

    supervisor.goto(case_url)
    supervisor.click("#transfer summary")  # a rare step, behind a disclosure
    supervisor.select_option("select[name=to_organisation]", str(world.jordan.pk))
    supervisor.click("form[action$='/transfer/'] button")
    assert Transfer.objects.get().to_organisation == world.jordan

    bob.goto(case_url)
    bob.select_option("form[action$='/step/close/'] select[name=reason]", "resolved")
    bob.click("form[action$='/step/close/'] button")
    case.refresh_from_db()
    assert case.status == "open" and case.closure_requested_at is not None
    supervisor.goto(case_url)
    supervisor.click("form[action$='/step/approve/'] button")
    case.refresh_from_db()
    assert case.status == "closed"

    days = settings_for(world.amane).retention_days
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days + 1))
    assert purge_cases_past_retention.call_local() == 1
    supervisor.goto(case_url)
    assert "يهددني بنشر صوري" not in supervisor.inner_text("main")
