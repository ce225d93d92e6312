"""axe-core finds no WCAG 2.1 A or AA violation on any staff page, in Arabic, French and
English (issue #20): the pages are every staff route of the URL configuration, opened as a
demo member whose role may see each (digiamen/tests/staff_pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from digiamen.tests.axe import AXE, RUN_AXE
from digiamen.tests.staff_pages import browser_page_as, demo_users, staff_pages

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


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
                # axe is injected as an inline script, which the pages' CSP forbids (as it
                # should): this test's browser alone ignores the CSP.
                browsers[staff_page.username] = browser_page_as(
                    browser, live_server.url, users[staff_page.username], bypass_csp=True
                )
            page = browsers[staff_page.username]
            page.goto(f"{live_server.url}/{language}/{staff_page.path}")
            assert page.url.endswith(f"/{language}/{staff_page.path}"), page.url
            page.add_script_tag(path=str(AXE))
            found += [f"{language} {staff_page.route}: {v}" for v in page.evaluate(RUN_AXE)]
            checked += 1
    assert checked > 120
    assert not found, "\n".join(found)
