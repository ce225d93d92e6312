"""In a real browser, at phone width, in Arabic and French: the home page invites a child to
the open consultation, the child answers without JavaScript or cookie, harm in their words
brings the report and the helpline; staff write a consultation (one question refused) and
read the results once five children answered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.conftest import World, browser_sign_in, click_to_next_page
from digiamen.consultations.models import Consultation, Response
from digiamen.consultations.tests.helpers import QUESTIONS, open_consultation, web_answer
from digiamen.intake.models import Helpline
from digiamen.intake.tests.test_browser_public_pages import PHONE, Looked

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]

HARM = {"ar": "شخص يبتزني بصوري", "fr": "Quelqu'un me menace avec mes photos"}


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_child_answers_and_staff_read_the_results(
    browser: Any, live_server: Any, world: World, language: str
) -> None:
    open_consultation(world)
    Helpline.objects.create(
        owner=world.amane, country="MA", name={"fr": "Allo 2511", "ar": "ألو 2511"}, phone="2511"
    )
    # JavaScript off: the questions are a plain form (axe runs only where it can be injected).
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/")
    click_to_next_page(page, "a[href$='/consultations/VOIX-2027/']")
    assert page.locator("h1").inner_text().strip() in (
        "سلامتك على الإنترنت",
        "Ta sécurité en ligne",
    )
    page.check("input[name=age_band][value='12_14']")
    page.check("input[name=sex][value=female]")
    page.select_option("select[name=admin1]", "MA-06")
    page.check("input[name=q0][value='2']")
    page.check("input[name=q1][value='0']")
    page.check("input[name=q1][value='2']")
    page.fill("textarea[name=q2]", HARM[language])
    click_to_next_page(page, "main button[type=submit]")
    assert page.locator("a[href$='/report/']").count() >= 1
    assert "2511" in page.inner_text("main")
    assert context.cookies() == []
    answer = Response.objects.get()
    assert answer.answers == [2, [0, 2], None] and answer.admin1 == "MA-06"
    shots = Looked(page, language).shots
    page.screenshot(path=str(shots / f"consultation-thanks-{language}-360.png"), full_page=True)
    context.close()

    # The same pages with JavaScript on, checked by axe and kept as screenshots.
    looked_context = browser.new_context(viewport=PHONE, bypass_csp=True)
    looked_page = looked_context.new_page()
    seen = Looked(looked_page, language)
    looked_page.goto(f"{live_server.url}/{language}/")
    seen.look("home-with-consultation")
    looked_page.goto(f"{live_server.url}/{language}/consultations/VOIX-2027/")
    seen.look("consultation")
    click_to_next_page(looked_page, "main button[type=submit]")  # nothing answered: told so
    assert looked_page.locator(".errorlist").count() == 1
    seen.look("consultation-nothing-answered")
    assert not seen.found, "\n".join(seen.found)
    looked_context.close()

    for _n in range(5):
        assert Client().post(f"/{language}/consultations/VOIX-2027/", web_answer()).status_code
    supervisor = world.add_member("sara", world.amane, Role.SUPERVISOR)
    staff = browser_sign_in(browser, live_server.url, supervisor, language)
    staff.set_viewport_size(PHONE)
    staff.goto(f"{live_server.url}/{language}/staff/amane/consultations/VOIX-2027/")
    assert staff.locator("table.statistics").count() == 2
    overflow = staff.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    staff.screenshot(path=str(shots / f"staff-consultation-{language}-360.png"), full_page=True)
    staff.goto(f"{live_server.url}/{language}/staff/amane/consultations/new/")
    staff.fill("input[name=code]", "ECOLE-2027")
    today = timezone.now().date()
    staff.fill("input[name=starts_on]", str(today))
    staff.fill("input[name=ends_on]", str(today + timedelta(days=30)))
    staff.fill("input[name=title_fr]", "École")
    staff.fill(
        "textarea[name=questions_fr]", QUESTIONS["fr"] + "\n~ Quel est le nom de ton école ?"
    )
    click_to_next_page(staff, "main button[type=submit]")
    errors = staff.locator(".errorlist")
    assert errors.count() == 1 and (
        "مدرسة" in errors.inner_text() or "école" in errors.inner_text()
    )
    staff.screenshot(
        path=str(shots / f"staff-consultation-refused-{language}-360.png"), full_page=True
    )
    assert Consultation.objects.count() == 1
