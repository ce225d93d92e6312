"""Five real casework tasks, done in Chromium and measured: clicks, page loads and how far
the reader had to scroll to find the next control.

The tasks (issue #20): triage a new urgent case; reply to the reporter; refer to a service;
escalate to a platform and record the answer; close with a supervisor's approval. Each is
done twice, in French at a laptop's size: once without JavaScript, where every action
reloads the case page at its top (how the page worked before its actions went in place),
then with it, where actions submit in place and the reader stays where they were. The
figures are printed side by side (``pytest -s`` shows them) and the test holds the gains.
"""

from __future__ import annotations

from typing import Any

import pytest

from digiamen.cases.models import Case, Escalation
from digiamen.conftest import World, browser_sign_in
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake import actions as intake_actions
from digiamen.referrals.models import Referral

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]

TASKS = (
    "triage a new urgent case",
    "reply to the reporter",
    "refer to a service",
    "escalate to a platform and record the answer",
    "close with approval",
)
LAPTOP = {"width": 1280, "height": 800}


class Measured:
    """A signed-in page whose actions are counted: a click (a button, a link, a box, a
    choice in a list, or the click into a text field), a page load, and the pixels the
    control was out of view when the reader went for it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.clicks = self.loads = self.scrolled = 0
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.loads += 1

    def _reach(self, selector: str) -> Any:
        control = self.page.locator(selector).first
        box = control.bounding_box()
        assert box is not None, f"{selector} is not on the page"
        height = self.page.viewport_size["height"]
        if box["y"] < 0:
            self.scrolled += round(-box["y"])
        elif box["y"] + box["height"] > height:
            self.scrolled += round(box["y"] + box["height"] - height)
        self.clicks += 1
        return control

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def click(self, selector: str) -> None:
        self._reach(selector).click()
        self.settle()

    def check(self, selector: str) -> None:
        self._reach(selector).check()

    def choose(self, selector: str, value: str) -> None:
        self._reach(selector).select_option(value)

    def fill(self, selector: str, text: str) -> None:
        self._reach(selector).fill(text)

    def settle(self) -> None:
        """Wait for a page load, or for an in-place action to be drawn."""
        self.page.wait_for_load_state()
        self.page.wait_for_selector("main:not([aria-busy])", state="attached")


def new_report(number: int) -> Case:
    submission = intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "platforms": ["instagram"],
            "narrative": "Il menace de publier mes photos si je ne paie pas.",
            "involved_accounts": "@menace",
            "consent_contact": True,
            "consent_referral": True,
            "consent_statistics": True,
        },
        channel="web",
        submission_id=f"tasks-{number}",
    )
    return Case.objects.get(report=submission.report)


def do_the_five_tasks(
    browser: Any, base: str, world: World, supervisor: Any, *, javascript: bool
) -> dict[str, tuple[int, int, int]]:
    """The five tasks on a new case; for each, (clicks, page loads, pixels scrolled)."""
    for number in range(3):  # other cases in the queue
        new_report(number + (10 if javascript else 0))
    case = new_report(99 if javascript else 98)
    queue = f"{base}/fr/staff/amane/cases/"
    case_url = f"{queue}{case.number}/"
    sara = Measured(
        browser_sign_in(browser, base, supervisor, "fr", javascript=javascript, viewport=LAPTOP)
    )
    bob = Measured(
        browser_sign_in(browser, base, world.bob, "fr", javascript=javascript, viewport=LAPTOP)
    )
    figures: dict[str, tuple[int, int, int]] = {}
    done: list[tuple[int, int, int]] = []

    def measure(task: str, work: Any) -> None:
        before = [(m.clicks, m.loads, m.scrolled) for m in (sara, bob)]
        work()
        after = [(m.clicks, m.loads, m.scrolled) for m in (sara, bob)]
        figures[task] = tuple(  # type: ignore[assignment]
            sum(a[i] - b[i] for a, b in zip(after, before, strict=True)) for i in range(3)
        )
        done.append(figures[task])

    def triage() -> None:
        sara.goto(queue)
        sara.click(f"a.case-number[href$='/{case.number}/']")
        sara.check("input[name=flags][value=active_threat_to_share]")
        sara.check("input[name=risk][value=high]")
        sara.click("form[action$='/step/triage/'] button")
        sara.choose("select[name=assignee]", str(world.bob.user.pk))
        sara.click("form[action$='/step/assign/'] button")

    def reply() -> None:
        bob.goto(f"{queue}?queue=mine")  # as the alert's link to the caseworker's cases
        bob.click(f"a.case-number[href$='/{case.number}/']")
        bob.click("form[action$='/step/start/'] button")
        bob.fill("form[action$='/reply/'] textarea[name=text]", "Ne paie pas. Nous t'aidons.")
        bob.click("form[action$='/reply/'] button")
        bob.click("form[action$='/step/first_contact/'] button")

    # Between tasks on the same case, the reader goes by the case's section menu.
    def refer() -> None:
        bob.click("a[href='#referrals']")
        bob.click("#referrals a[href$='/referrals/']")
        bob.click("ol.suggestions details summary")
        bob.fill("ol.suggestions textarea[name=reason]", "Soutien psychologique demandé.")
        bob.click("ol.suggestions form button")

    def escalate() -> None:
        bob.goto(case_url)
        bob.click("a[href='#escalations']")
        bob.choose("form[action$='/escalations/'] select[name=platform]", "instagram")
        bob.choose("form[action$='/escalations/'] select[name=kind]", "takedown")
        bob.fill("form[action$='/escalations/'] input[name=reference]", "@menace")
        bob.click("form[action$='/escalations/'] button")
        escalation = Escalation.objects.get(case=case)
        bob.choose(f"select#answer-{escalation.pk}", "removed")
        bob.click(f"form[action$='/escalations/{escalation.pk}/'] button")

    def close() -> None:
        bob.click("a[href='#steps']")
        bob.choose("form[action$='/step/close/'] select[name=reason]", "resolved")
        bob.click("form[action$='/step/close/'] button")
        sara.goto(case_url)
        sara.click("form[action$='/step/approve/'] button")

    for task, work in zip(TASKS, (triage, reply, refer, escalate, close), strict=True):
        measure(task, work)

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.risk_level == "high"
    assert case.assigned_to == world.bob.user and case.first_contacted_at is not None
    assert Referral.objects.filter(case=case).count() == 1
    assert Escalation.objects.get(case=case).outcome == "removed"
    return figures


def test_five_tasks_take_fewer_page_loads_and_no_scrolling_hunt(
    browser: Any, live_server: Any, world: World
) -> None:
    make_service(make_directory_organisation("Écoute"), service_type="psychosocial_support")
    supervisor = world.add_member("sara", world.amane, "supervisor")
    before = do_the_five_tasks(browser, live_server.url, world, supervisor, javascript=False)
    after = do_the_five_tasks(browser, live_server.url, world, supervisor, javascript=True)

    print("\n   task                                           clicks   page loads   px scrolled")
    print("                                                  before/after")
    for task in TASKS:
        (c0, l0, s0), (c1, l1, s1) = before[task], after[task]
        print(f"   {task:<45} {c0:>3} / {c1:<3}  {l0:>3} / {l1:<3}     {s0:>5} / {s1:<5}")
    totals = [
        sum(figures[task][i] for task in TASKS) for figures in (before, after) for i in range(3)
    ]
    print(
        f"   {'all five':<45} {totals[0]:>3} / {totals[3]:<3}  {totals[1]:>3} / {totals[4]:<3}"
        f"     {totals[2]:>5} / {totals[5]:<5}"
    )
    # The same clicks do the same work; in place, far fewer pages load and far less of the
    # page is scrolled through to find the next control.
    assert totals[3] == totals[0]
    assert totals[4] < 0.6 * totals[1]
    assert totals[5] < 0.5 * totals[2]


def test_queue_by_keyboard_and_an_error_shown_in_place(
    browser: Any, live_server: Any, world: World
) -> None:
    cases = [new_report(number) for number in range(3)]
    bob = browser_sign_in(browser, live_server.url, world.bob, "ar", javascript=True)
    bob.goto(f"{live_server.url}/ar/staff/amane/cases/?queue=all")
    assert bob.locator("[data-keyboard-hint]").is_visible()
    focused = "document.activeElement.getAttribute('href')"
    bob.keyboard.press("j")
    first = bob.evaluate(focused)
    bob.keyboard.press("j")
    second = bob.evaluate(focused)
    bob.keyboard.press("k")
    assert bob.evaluate(focused) == first != second
    assert {first, second} < {f"/ar/staff/amane/cases/{case.number}/" for case in cases}
    bob.keyboard.press("/")
    assert bob.evaluate("document.activeElement.closest('form.filters') !== null")
    bob.keyboard.press("Escape")
    bob.evaluate("document.activeElement.blur()")
    bob.keyboard.press("j")
    bob.keyboard.press("Enter")
    bob.wait_for_url(f"**{first}")

    # Bob is assigned the case: an empty note is refused in place, the error takes the focus
    # and the reader stays where they were.
    case = Case.objects.get(number=first.rstrip("/").rsplit("/", 1)[1])
    case.assigned_to = world.bob.user
    case.save()
    bob.reload()
    bob.evaluate("window.marker = 'same page'")
    bob.click("a[href='#notes']")
    scrolled = bob.evaluate("window.scrollY")
    bob.click("form[action$='/notes/'] button")
    bob.wait_for_selector("main:not([aria-busy])", state="attached")
    assert bob.evaluate("window.marker") == "same page"  # no page load
    assert bob.evaluate("document.activeElement.closest('.messages, .errorlist') !== null")
    assert abs(bob.evaluate("window.scrollY") - scrolled) < 200
    # A refused text stays in its field, to be mended rather than typed again.
    hostile = "اتصلت\u202e بالمدرسة"
    bob.fill("form[action$='/notes/'] textarea[name=text]", hostile)
    bob.click("form[action$='/notes/'] button")
    bob.wait_for_selector("main:not([aria-busy])", state="attached")
    assert bob.input_value("form[action$='/notes/'] textarea[name=text]") == hostile
    assert bob.locator(".in-place-refusal").count() == 1
    # A note that is given is added in place, and the page shows it.
    bob.fill("form[action$='/notes/'] textarea[name=text]", "اتصلت بالمدرسة")
    bob.click("form[action$='/notes/'] button")
    bob.wait_for_selector("main:not([aria-busy])", state="attached")
    assert bob.evaluate("window.marker") == "same page"
    assert "اتصلت بالمدرسة" in bob.inner_text("#notes")
