"""Every staff page at a phone's width (360 px), in Arabic and French: nothing wider than
the screen (tables scroll inside themselves), as issue #26 asks; screenshots of the pages
people work on most are kept in var/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import TOTP

from digiamen.tests.staff_pages import _key, demo_users, staff_pages

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
SCREENSHOTS = {"staff/amane-demo/cases/", "staff/amane-demo/statistics/"}
# What sticks out of the screen, on either side (an Arabic page overflows to the left),
# outside any element that scrolls sideways by itself (a wide table's own scroller).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || (box.right <= width + 1 && box.left >= -1)) continue;
    if (element.closest(".skip-link")) continue;  // off the screen until it has the focus
    let parent = element.parentElement, scrolled = false;
    while (parent && parent !== document.body) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(parent).overflowX)) {
        scrolled = true;
        break;
      }
      parent = parent.parentElement;
    }
    const name = element.tagName.toLowerCase();
    if (!scrolled) found.push(element.className ? name + "." + element.className : name);
  }
  return found.slice(0, 4);
}"""


def browser_as(
    browser: Any, base: str, user: dict[str, str], language: str, viewport: dict[str, int]
) -> Any:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/{language}/staff/login/")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("main button[type=submit]")
    page.fill("input[name=code]", f"{TOTP(_key(user['totp_secret'])).token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_url("**/staff/**")
    return page


def test_no_staff_page_is_wider_than_a_phone(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
    pages, problems = staff_pages(tmp_path)
    assert not problems, "\n".join(problems)
    assert len(pages) > 40
    users = demo_users(tmp_path)
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    too_wide = []
    shown: list[Any] = []
    for language in ("ar", "fr"):
        signed_in: dict[str, Any] = {}
        for staff_page in pages:
            if staff_page.username not in signed_in:
                signed_in[staff_page.username] = browser_as(
                    browser, live_server.url, users[staff_page.username], language, PHONE
                )
            page = signed_in[staff_page.username]
            page.goto(f"{live_server.url}/{language}/{staff_page.path}")
            sticking_out = page.evaluate(STICKING_OUT)
            if sticking_out:
                too_wide.append(f"{language} {staff_page.route}: {', '.join(sticking_out)}")
            if staff_page.path in SCREENSHOTS or "/cases/MA-" in staff_page.path:
                if language == "ar":
                    shown.append(staff_page)
                page.screenshot(path=str(shots / shot_name(staff_page, language, 360)))
    assert not too_wide, "\n".join(too_wide)
    # The same pages on a laptop, for the same look.
    for language in ("ar", "fr"):
        for staff_page in shown:
            page = browser_as(
                browser, live_server.url, users[staff_page.username], language, LAPTOP
            )
            page.goto(f"{live_server.url}/{language}/{staff_page.path}")
            page.screenshot(path=str(shots / shot_name(staff_page, language, 1280)))


def shot_name(staff_page: Any, language: str, width: int) -> str:
    route = staff_page.route.replace("/", "_").replace("<", "").replace(">", "")
    return f"{route}-{language}-{width}.png"
