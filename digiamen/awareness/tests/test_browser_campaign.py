"""A child opens a poster's QR link on a phone, reports without JavaScript, and the report
counts for the campaign in the statistics, small cells hidden; no cookie on the way."""

from __future__ import annotations

from typing import Any

import pytest

from digiamen.accounts.models import Role
from digiamen.awareness.tests.helpers import CODE, campaign
from digiamen.conftest import World
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report
from digiamen.intake.tests.test_browser import report_in_browser

pytestmark = [pytest.mark.needs("chromium"), pytest.mark.django_db(transaction=True)]


def test_a_report_through_a_posters_qr_link_counts_for_its_campaign(
    browser: Any, live_server: Any, world: World, signed_in: Any
) -> None:
    campaign(world, channel="poster")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    receipt = report_in_browser(
        page, live_server.url, "ar", link=f"/report/?c={CODE}", country="MA", admin1="MA-04"
    )
    assert receipt
    assert context.cookies() == []  # nothing follows the child from page to page
    report = Report.objects.get()
    assert report.campaign == CODE and report.organisation == world.amane

    # Five more through the campaign, five without and one through another campaign: the
    # campaign's row is shown; the other campaign's single report is a small cell, hidden.
    campaign(world, "RADIO-2027", channel="radio")
    for number, code in enumerate([CODE] * 5 + [""] * 5 + ["RADIO-2027"]):
        intake_actions.submit_report(
            {"harm_types": ["cyberbullying"], "country": "MA", "campaign": code},
            channel="web",
            submission_id=f"campaign-browser-{number}",
        )
    Report.objects.update(consent_statistics=True)
    officer = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    html = signed_in(officer).get("/en/staff/amane/statistics/?rows=campaign").content.decode()
    table = html.split("<table", 1)[1]
    assert ">6<" in table.split(CODE, 1)[1].split("</tr>", 1)[0]
    radio = table.split("RADIO-2027", 1)[1].split("</tr>", 1)[0]
    assert "&lt;5" in radio and ">1<" not in radio
