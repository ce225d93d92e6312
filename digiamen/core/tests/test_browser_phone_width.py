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

from digiamen.tests.staff_pages import browser_page_as, demo_users, staff_pages

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
    # One signed-in page per member, whatever the language (it is in the address): a
    # second sign-in within the same 30 seconds would reuse a one-time code.
    signed_in: dict[str, Any] = {}
    for language in ("ar", "fr"):
        for staff_page in pages:
            if staff_page.username not in signed_in:
                signed_in[staff_page.username] = browser_page_as(
                    browser, live_server.url, users[staff_page.username], viewport=PHONE
                )
            page = signed_in[staff_page.username]
            page.goto(f"{live_server.url}/{language}/{staff_page.path}")
            assert page.url.endswith(f"/{language}/{staff_page.path}"), page.url
            sticking_out = page.evaluate(STICKING_OUT)
            if sticking_out:
                too_wide.append(f"{language} {staff_page.route}: {', '.join(sticking_out)}")
            if staff_page.path in SCREENSHOTS or "/cases/MA-" in staff_page.path:
                page.screenshot(path=str(shots / shot_name(staff_page, language, 360)))
                # The same page on a laptop, for the same look.
                page.set_viewport_size(LAPTOP)
                page.screenshot(path=str(shots / shot_name(staff_page, language, 1280)))
                page.set_viewport_size(PHONE)
    assert not too_wide, "\n".join(too_wide)


def shot_name(staff_page: Any, language: str, width: int) -> str:
    route = staff_page.route.replace("/", "_").replace("<", "").replace(">", "")
    return f"{route}-{language}-{width}.png"
