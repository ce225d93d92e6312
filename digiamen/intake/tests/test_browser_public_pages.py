"""The public side as a child meets it: every step of the report flow, the receipt, the
follow-up, the advice and help pages, in Arabic, French and English. axe-core finds no
WCAG 2.1 A/AA violation on any of them, and each is kept as a screenshot at 360 and
1280 px (Arabic and French) in var/screenshots/ for a person to look at (issue #26)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from digiamen.conftest import World, click_to_next_page
from digiamen.tests.axe import AXE, RUN_AXE

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


class Looked:
    """Checks each page it is shown with axe and keeps its screenshots."""

    def __init__(self, page: Any, language: str) -> None:
        self.page, self.language = page, language
        self.found: list[str] = []
        self.shots = Path(settings.VAR_DIR) / "screenshots"
        self.shots.mkdir(parents=True, exist_ok=True)

    def look(self, name: str) -> None:
        # A click that leads to another page returns once that page has begun to arrive:
        # axe injected into a document still without its <head> fails.
        self.page.wait_for_load_state("load")
        self.page.add_script_tag(path=str(AXE))
        self.found += [f"{self.language} {name}: {v}" for v in self.page.evaluate(RUN_AXE)]
        if self.language != "en":
            for width, size in ((360, PHONE), (1280, LAPTOP)):
                self.page.set_viewport_size(size)
                path = self.shots / f"public-{name}-{self.language}-{width}.png"
                self.page.screenshot(path=str(path), full_page=True)
            self.page.set_viewport_size(PHONE)


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_every_public_page_passes_axe_and_is_kept_as_a_screenshot(
    browser: Any, live_server: Any, world: World, language: str
) -> None:
    assert AXE.exists(), f"{AXE} is missing: `make test` (or `make axe`) installs it"
    # JavaScript on, as most phones; axe is injected inline, which the CSP rightly forbids:
    # this test's browser alone ignores the CSP.
    page = browser.new_context(viewport=PHONE, bypass_csp=True).new_page()
    seen = Looked(page, language)
    base = f"{live_server.url}/{language}"
    for name in ("", "advice/", "help/", "followup/"):
        page.goto(f"{base}/{name}")
        seen.look(name.strip("/") or "home")
    page.goto(f"{base}/report/")
    steps: list[tuple[str, Any]] = [
        ("1-reporter", lambda: page.check("input[name=reporter_type][value=child]")),
        ("2-harm", lambda: page.check("#harm-sexual_extortion")),
        ("3-where", lambda: page.select_option("select[name=country]", "MA")),
        ("4-child", lambda: page.check("input[name=age_band][value='12_14']")),
        ("5-story", lambda: page.fill("textarea[name=narrative]", "Il menace. يهددني")),
        ("6-contact", lambda: None),
        ("7-consent", lambda: page.check("input[name=consent_statistics]")),
    ]
    for name, answer in steps:
        seen.look(f"step-{name}")
        answer()
        click_to_next_page(page, "button[value=next]")
    seen.look("step-8-review")
    # The proof of work is found in the page before sending (polled from here: the CSP
    # forbids the eval a page-side wait would use).
    for _ in range(300):
        if page.input_value("input[name=pow]"):
            break
        page.wait_for_timeout(100)
    click_to_next_page(page, "button[value=send]")
    assert page.locator(".receipt").count()
    seen.look("receipt")
    assert not seen.found, "\n".join(seen.found)
