"""The front door in a real browser (Debian's Chromium through Playwright).

Run by `make test`; skipped only where Chromium is not installed (.ci/run installs it).
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from digiamen.conftest import World, click_to_next_page
from digiamen.intake.models import Message, Report
from digiamen.intake.tests.helpers import staff_reply

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def to_consent_step(
    page: Any,
    base: str,
    language: str,
    *,
    javascript: bool = False,
    link: str = "/report/",
    country: str = "TN",
    admin1: str = "TN-61",
) -> None:
    """Through the steps to consent; ``link`` as a poster's QR code gives it (?c=CODE)."""
    page.goto(f"{base}/{language}{link}")
    page.check("input[name=reporter_type][value=child]")
    click_to_next_page(page, "button[value=next]")
    page.check("#harm-sexual_extortion")
    click_to_next_page(page, "button[value=next]")
    page.check("input[name=platforms][value=instagram]")
    page.select_option("select[name=country]", country)
    if javascript and country == "TN":  # the region list narrows to the chosen country
        assert page.locator("select[name=admin1] option[value='MA-06']").is_disabled()
    page.select_option("select[name=admin1]", admin1)
    click_to_next_page(page, "button[value=next]")
    page.check("input[name=age_band][value='12_14']")
    click_to_next_page(page, "button[value=next]")
    page.fill("textarea[name=narrative]", "Il menace d'envoyer mes photos. يهددني")
    click_to_next_page(page, "button[value=next]")
    click_to_next_page(page, "button[value=next]")  # contact: only the receipt


def report_in_browser(
    page: Any, base: str, language: str, *, javascript: bool = False, **place: str
) -> str:
    to_consent_step(page, base, language, javascript=javascript, **place)
    page.check("input[name=consent_statistics]")
    click_to_next_page(page, "button[value=next]")
    assert "يهددني" in page.inner_text("main")  # the review shows the story
    if javascript:  # the proof of work is found in the browser before sending
        # (polled from here: the page's CSP forbids the eval a page-side wait would use)
        deadline = time.monotonic() + 30
        while not page.input_value("input[name=pow]") and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert page.input_value("input[name=pow]").isdigit()
    click_to_next_page(page, "button[value=send]")
    return page.inner_text(".receipt >> nth=0").strip()


CONSENTS = ["consent_contact", "consent_referral", "consent_statistics"]


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_each_consent_box_sits_beside_its_own_statement_on_a_phone(
    browser: Any, live_server: Any, language: str
) -> None:
    page = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    ).new_page()
    to_consent_step(page, live_server.url, language)
    boxes = {name: page.locator(f"input[name={name}]").bounding_box() for name in CONSENTS}
    labels = {name: page.locator(f"label[for=id_{name}]").bounding_box() for name in CONSENTS}
    for name in CONSENTS:
        box, label = boxes[name], labels[name]
        assert box and label
        # Beside its statement: level with its first line, on the reading side.
        assert label["y"] <= box["y"] + box["height"] / 2 <= label["y"] + label["height"]
        if language == "ar":
            assert box["x"] >= label["x"] + label["width"] - 2
        else:
            assert box["x"] + box["width"] <= label["x"] + 2
    # The statements stand apart: no box is nearer another statement than its own.
    for above, below in itertools.pairwise(CONSENTS):
        assert labels[below]["y"] - (labels[above]["y"] + labels[above]["height"]) >= 16
    # A tap on a statement ticks its own box and no other.
    for name in CONSENTS:
        page.click(f"label[for=id_{name}]")
        assert {n: page.is_checked(f"input[name={n}]") for n in CONSENTS} == {
            n: n == name for n in CONSENTS
        }
        page.click(f"label[for=id_{name}]")
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"report-consent-{language}-360.png"), full_page=True)


def follow_up(page: Any, base: str, language: str, typed: str) -> None:
    page.goto(f"{base}/{language}/followup/")
    page.fill("input[name=receipt]", typed)
    click_to_next_page(page, "main button[type=submit]")


def test_arabic_report_and_follow_up_without_javascript(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    receipt = report_in_browser(page, live_server.url, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert len(receipt.replace(" ", "")) == 24
    report = Report.objects.get()
    staff = staff_reply(world, report, "نحن هنا لمساعدتك. لا تدفع.")

    follow_up(page, live_server.url, "ar", receipt.translate(ARABIC_DIGITS))
    assert "نحن هنا لمساعدتك" in page.inner_text("main")
    page.fill("textarea[name=text]", "شكرا، ما زال يرسل لي رسائل")
    click_to_next_page(page, "form[action$='/followup/message/'] button")
    assert "ما زال يرسل لي رسائل" in page.inner_text("main")
    assert context.cookies() == []  # nothing left in the browser

    detail = staff.get(f"/en/staff/{report.organisation.slug}/cases/{report.case.number}/")
    assert "ما زال يرسل لي رسائل" in detail.content.decode()
    assert Message.objects.count() == 2
    context.close()


def test_french_report_and_follow_up_with_javascript(
    browser,
    live_server,
    world: World,  # type: ignore[no-untyped-def]
    settings,
) -> None:
    settings.QUICK_EXIT_URL = f"{live_server.url}/robots.txt"
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    receipt = report_in_browser(page, live_server.url, "fr", javascript=True)
    assert page.locator("html").get_attribute("lang") == "fr"
    report = Report.objects.get()
    staff_reply(world, report, "Nous sommes là pour toi.")
    follow_up(page, live_server.url, "fr", receipt)
    assert "Nous sommes là pour toi." in page.inner_text("main")
    assert page.evaluate("Object.keys(window.localStorage).length") == 0
    assert context.cookies() == []

    # Quick exit replaces the page in the history: "Back" does not come back here.
    page.goto(f"{live_server.url}/fr/")
    page.goto(f"{live_server.url}/fr/report/")
    page.click("[data-quick-exit]")
    page.wait_for_url("**/robots.txt")
    page.go_back()
    assert page.url.endswith("/fr/")
    context.close()


def test_staff_sign_in_and_case_page_in_a_real_browser(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    """Real browsers send Origin on form posts: sign-in must pass Django's CSRF check."""
    from digiamen.cases.tests.helpers import NARRATIVE, new_case
    from digiamen.intake.tests.helpers import supervisor_of

    case = new_case()
    sara = supervisor_of(world, world.amane)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/ar/staff/login/")
    page.fill("input[name=username]", sara.user.username)
    page.fill("input[name=password]", sara.password)
    click_to_next_page(page, "main button[type=submit]")
    page.fill("input[name=code]", sara.totp())
    click_to_next_page(page, "main button[type=submit]")
    page.goto(f"{live_server.url}/ar/staff/amane/cases/{case.number}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert NARRATIVE in page.inner_text("main")
    page.check("input[name=risk][value=high]")
    click_to_next_page(page, "form[action$='/step/triage/'] button")
    case.refresh_from_db()
    assert case.risk_level == "high"
    context.close()
