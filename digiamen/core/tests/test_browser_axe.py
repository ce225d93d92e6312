"""axe-core finds no WCAG 2.1 A or AA violation on any staff page, in Arabic, French and
English (issue #20): the pages are every staff route of the URL configuration, opened as a
demo member whose role may see each (digiamen/tests/staff_pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.tests.staff_pages import _key, demo_users, staff_pages

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]
AXE = Path(settings.BASE_DIR) / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# The rules' ids and the elements they name: never a page's text (it may be confidential).
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
  });
  return result.violations.map(
    (v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")
  );
}"""


def signed_in_page(browser: Any, base: str, user: dict[str, str], language: str) -> Any:
    # axe is injected as an inline script, which the pages' CSP forbids (as it should):
    # this test's browser alone ignores the CSP.
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{base}/{language}/staff/login/")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("main button[type=submit]")
    # The lookup of pages signed in with this member's current code a moment ago: the
    # one-time code's replay guard is reset (the second factor is tested elsewhere).
    TOTPDevice.objects.filter(user__username=user["username"]).update(last_t=-1)
    page.fill("input[name=code]", f"{TOTP(_key(user['totp_secret'])).token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, user["username"]
    return page


def test_axe_finds_nothing_on_any_staff_page_in_three_languages(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    assert AXE.exists(), f"{AXE} is missing: `make test` (or `make axe`) installs it"
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
    pages, problems = staff_pages(tmp_path)
    assert not problems, "\n".join(problems)
    users = demo_users(tmp_path)
    found = []
    checked = 0
    # One signed-in page per member, whatever the language (it is in the address).
    browsers: dict[str, Any] = {}
    for language in ("ar", "fr", "en"):
        for staff_page in pages:
            if staff_page.username not in browsers:
                browsers[staff_page.username] = signed_in_page(
                    browser, live_server.url, users[staff_page.username], "en"
                )
            page = browsers[staff_page.username]
            page.goto(f"{live_server.url}/{language}/{staff_page.path}")
            assert page.url.endswith(f"/{language}/{staff_page.path}"), page.url
            page.add_script_tag(path=str(AXE))
            found += [f"{language} {staff_page.route}: {v}" for v in page.evaluate(RUN_AXE)]
            checked += 1
    assert checked > 120
    assert not found, "\n".join(found)
