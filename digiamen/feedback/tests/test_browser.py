"""In a real browser, at phone width: a case is closed, its reporter
opens the follow-up page with the receipt and answers; the service-outcomes page shows the
answers once there are five, and nothing on it leads to the case."""

from __future__ import annotations

from typing import Any

import pytest

from digiamen.conftest import World, browser_sign_in, click_to_next_page
from digiamen.feedback.models import Answer
from digiamen.feedback.tests.helpers import close
from digiamen.intake.tests.test_browser import ARABIC_DIGITS, follow_up, report_in_browser
from digiamen.intake.tests.test_browser_public_pages import PHONE, Looked

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]

SERVICES = "/{lang}/staff/amane/statistics/services/?rows=service_type&answers_by=service_type"


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_reporter_answers_and_the_figures_wait_for_five_answers(
    browser: Any, live_server: Any, world: World, language: str
) -> None:
    # At phone width; axe is injected inline, so this browser alone ignores the CSP (the
    # pages hold no script of their own: the questions work without JavaScript).
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    seen = Looked(page, language)
    receipt = report_in_browser(
        page, live_server.url, language, javascript=True, country="MA", admin1="MA-06"
    )
    reports = list(world.amane.reports.all())
    assert len(reports) == 1
    case = close(world, reports[0].case)

    follow_up(page, live_server.url, language, receipt.translate(ARABIC_DIGITS))
    offer = page.locator("#feedback-offer")
    assert offer.count() == 1
    seen.look("feedback-offer")
    click_to_next_page(page, "button[name=step][value=open]")
    seen.look("feedback-questions")
    # Sent without an answer: the reporter is told what to do, in their language.
    click_to_next_page(page, "button[name=step][value=send]")
    assert page.locator(".errorlist").count() == 3
    seen.look("feedback-questions-errors")
    page.check("input[name=listened][value=yes]")
    page.check("input[name=helped][value=partly]")
    page.check("input[name=recommend][value=yes]")
    page.fill("textarea[name=words]", "شكرا. Merci.")
    click_to_next_page(page, "button[name=step][value=send]")
    seen.look("feedback-done")
    assert Answer.objects.count() == 1
    click_to_next_page(page, "form[action$='/followup/conversation/'] button")
    assert page.locator("#feedback-offer").count() == 0  # asked once
    assert context.cookies() == []
    assert not seen.found, "\n".join(seen.found)
    context.close()

    officer = world.add_member("dora", world.amane, "data_officer")
    staff = browser_sign_in(browser, live_server.url, officer, language)
    staff.goto(live_server.url + SERVICES.format(lang=language))
    main = staff.inner_text("main")
    assert staff.locator("table.statistics").count() <= 1  # referrals only, no answers yet
    # Four more children answered about the same help.
    month = Answer.objects.get().month
    for _ in range(4):
        Answer.objects.create(
            organisation=world.amane,
            month=month,
            service_type="own_help",
            harm_type="sexual_extortion",
            listened="yes",
            helped="yes",
            recommend="yes",
        )
    staff.goto(live_server.url + SERVICES.format(lang=language))
    assert staff.locator("table.statistics").count() == 3
    main = staff.inner_text("main")
    assert str(case.number) not in main and receipt not in main
    # A hidden count reads "<5" in Arabic too: the cells are left-to-right.
    direction = staff.evaluate(
        "getComputedStyle(document.querySelector('table.statistics td')).direction"
    )
    assert direction == "ltr"
    staff.screenshot(path=str(seen.shots / f"staff-feedback-{language}-1280.png"), full_page=True)
