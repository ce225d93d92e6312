"""The staff home's "what needs you now": per role, counts only, each count exactly what its
link shows, another organisation's cases never counted, and a pinned number of queries."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiamen.accounts.models import Membership, Role
from digiamen.alerts import needs
from digiamen.cases import actions as case_actions
from digiamen.cases.models import Case, Transfer
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake import actions as intake_actions
from digiamen.referrals.models import Referral

HOME = "/en/staff/amane/"


def _case(**fields: Any) -> Case:
    case = new_case()
    values = {"risk_level": "", "urgent_flags": [], "status": Case.Status.OPEN, **fields}
    Case.objects.filter(pk=case.pk).update(**values)
    case.refresh_from_db()
    return case


def _waiting_world(world: World) -> Any:
    """Cases in every state the panel counts, and some it must not."""
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    bob = world.bob.user
    past = timezone.now() - timedelta(hours=1)
    _case(status=Case.Status.NEW, first_contact_due=past)  # new, overdue
    _case(risk_level="high", assigned_to=bob, first_contacted_at=past)  # urgent, bob's
    _case(urgent_flags=["immediate_danger"], status=Case.Status.CLOSED)  # closed: nothing
    _case(urgent_flags=["self_harm_risk"])  # urgent (flags only)
    bobs = _case(assigned_to=bob)  # bob's, with a task due and a reply
    case_actions.add_task(bobs, bob, title="Call back", due_at=past, assignee=bob)
    done = case_actions.add_task(bobs, bob, title="Done", due_at=past, assignee=bob)
    case_actions.complete_task(done, bob)
    later = timezone.now() + timedelta(days=3)
    case_actions.add_task(bobs, bob, title="Later", due_at=later, assignee=bob)
    intake_actions.post_reporter_message(bobs.report, "hello")
    saras = _case(assigned_to=sara.user)  # a reply for the supervisor only
    intake_actions.post_reporter_message(saras.report, "hello")
    # Another organisation's urgent, overdue case, and what waits for Amane's answer.
    jordan = new_case("JO")
    Case.objects.filter(pk=jordan.pk).update(risk_level="high", first_contact_due=past)
    Transfer.objects.create(
        case=jordan,
        from_organisation=world.jordan,
        to_organisation=world.amane,
        created_by=world.charlie.user,
    )
    entry = make_directory_organisation("Amane", "MA", owner=world.amane)
    service = make_service(entry, areas=["MA-06"])
    Referral.objects.create(
        case=jordan,
        from_organisation=world.jordan,
        service=service,
        to_organisation=world.amane,
        service_type=service.service_type,
        created_by=world.charlie.user,
    )
    return sara


def _panel(html: str) -> dict[str, tuple[int, str]]:
    """label -> (count, link) of the panel on a home page."""
    section = html.split('id="needs-title"', 1)[1].split("</section>", 1)[0]
    found = re.findall(
        r'<a href="([^"]+)"><span class="needs-count">(\d+)</span> '
        r'<span class="needs-label">([^<]+)</span>',
        section,
    )
    return {label: (int(count), link.replace("&amp;", "&")) for link, count, label in found}


def _listed(client: Any, link: str) -> int:
    """How many cases the linked queue lists (its caption), or rows of a waiting list."""
    html = client.get(link).content.decode()
    caption = re.search(r"<caption[^>]*>(\d+) cases?</caption>", html)
    assert caption, link
    return int(caption.group(1))


def test_a_caseworker_sees_their_counts_each_as_its_queue_shows_them(
    world: World, signed_in: Any
) -> None:
    _waiting_world(world)
    bob = signed_in(world.bob)
    panel = _panel(bob.get(HOME).content.decode())
    assert {label: count for label, (count, _link) in panel.items()} == {
        "Urgent cases": 2,
        "First contact overdue": 1,
        "New cases": 1,
        "Cases assigned to you": 2,
        "Cases with your tasks due today or late": 1,
        "Cases with unread replies from reporters": 1,
        "Referrals waiting for an answer": 1,
    }
    for label, (count, link) in panel.items():
        if "queue=" in link:
            assert _listed(bob, link) == count, label
    assert panel["Referrals waiting for an answer"][1] == "/en/staff/amane/referrals/"


def test_a_supervisor_sees_every_reply_and_the_transfers(world: World, signed_in: Any) -> None:
    sara = _waiting_world(world)
    client = signed_in(sara)
    panel = _panel(client.get(HOME).content.decode())
    assert panel["Cases with unread replies from reporters"][0] == 2
    assert panel["Cases assigned to you"][0] == 1
    assert panel["Cases with your tasks due today or late"][0] == 0
    assert panel["Transfers waiting for a decision"] == (1, "/en/staff/amane/transfers/")
    for label, (count, link) in panel.items():
        if "queue=" in link:
            assert _listed(client, link) == count, label


@pytest.mark.parametrize(
    "role", [Role.ORG_ADMIN, Role.DATA_OFFICER, Role.NETWORK_COORDINATOR, Role.PLATFORM_LIAISON]
)
def test_roles_that_see_no_case_see_no_counts(world: World, signed_in: Any, role: str) -> None:
    _waiting_world(world)
    member = world.add_member(f"m-{role}", world.amane, role)
    html = signed_in(member).get(HOME).content.decode()
    assert "What needs you now" not in html and "needs-count" not in html


def test_another_organisations_member_sees_their_own_counts_only(
    world: World, signed_in: Any
) -> None:
    _waiting_world(world)
    charlie = signed_in(world.charlie)
    assert charlie.get(HOME).status_code == 404
    panel = _panel(charlie.get("/en/staff/jordan/").content.decode())
    # Jordan's own case is urgent and overdue; none of Amane's cases is counted.
    assert panel["Urgent cases"][0] == 1 and panel["First contact overdue"][0] == 1
    assert panel["Cases assigned to you"][0] == 0
    assert panel["Referrals waiting for an answer"][0] == 0


def test_the_counts_take_one_query_per_table(world: World) -> None:
    sara = _waiting_world(world)
    membership = Membership.objects.select_related("organisation").get(user=sara.user)
    with CaptureQueriesContext(connection) as supervisor:
        found = needs.counts(membership)
    assert len(supervisor.captured_queries) == 3  # cases, referrals, transfers
    assert found["urgent"] == 2 and found["transfers"] == 1
    bob = Membership.objects.select_related("organisation").get(user=world.bob.user)
    with CaptureQueriesContext(connection) as caseworker:
        needs.counts(bob)
    assert len(caseworker.captured_queries) == 2  # cases, referrals


def test_the_home_page_query_budget_holds(world: World, signed_in: Any) -> None:
    sara = _waiting_world(world)
    client = signed_in(sara)
    client.get(HOME)  # warm the session and caches
    with CaptureQueriesContext(connection) as home:
        assert client.get(HOME).status_code == 200
    queries = len(home.captured_queries)
    # More cases add no query.
    for _number in range(5):
        _case(urgent_flags=["immediate_danger"], assigned_to=sara.user)
    with CaptureQueriesContext(connection) as again:
        client.get(HOME)
    # The page's own queries (session, user, membership, ...) and the panel's three.
    assert len(again.captured_queries) == queries == 10, [q["sql"] for q in again.captured_queries]


def test_the_panel_in_arabic_and_french(world: World, signed_in: Any) -> None:
    _waiting_world(world)
    arabic = signed_in(world.bob, "ar").get("/ar/staff/amane/").content.decode()
    assert 'dir="rtl"' in arabic and 'class="needs-list"' in arabic
    assert "/ar/staff/amane/cases/?queue=urgent" in arabic
    french = signed_in(world.bob, "fr").get("/fr/staff/amane/").content.decode()
    assert "/fr/staff/amane/cases/?queue=overdue" in french
