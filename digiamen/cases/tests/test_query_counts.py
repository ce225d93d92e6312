"""Query counts of the staff pages that list or show cases, pinned (budgets issue #25).

A page's count must not grow with what it lists: the same number of statements for 3 cases
in a queue as for 15, for a case with 3 notes as with 15. Counted: the statements a page
sends to the database. The SAVEPOINTs are left out: pytest runs each test inside a
transaction, so every ``atomic()`` a page opens becomes a SAVEPOINT pair here, while in
production (no ATOMIC_REQUESTS) those blocks are outermost and send no statement.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiamen.cases import actions
from digiamen.cases.models import Case
from digiamen.cases.tests.helpers import new_case, step
from digiamen.conftest import Member, World
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake import actions as intake_actions
from digiamen.referrals.models import Referral

# A queue page, the dashboard, the transfers page: session, user, authenticator, membership,
# count, rows (the dashboard: counts, overdue, workload), session save. The header's count
# of unread alerts comes from the cache (alerts.context_processors): no query.
LIST_PAGE_MAX = 8
# The case page of a worked case (was 40 and more, growing with notes and messages), at its
# budget of 20: the session and sign-in (3); the case, with the requester's membership
# joined; one query per list the page shows (consent, protocol ticks, protocols, notes,
# tasks, escalations, messages, duplicates, referrals, transfers, timeline: 11) and one for
# the assignees and the organisations to transfer to together (a UNION); the casework key;
# the audit append (2: lock the chain head and take the ids, insert the chained rows, a
# trigger moving the head); the session save.
CASE_PAGE_MAX = 20

QUEUES = [
    "queue=new",
    "queue=mine",
    "queue=all",
    "queue=high",
    "queue=overdue",
    "queue=all&harm=sexual_extortion&admin1=MA-06",
]


def statements(client: Client, url: str) -> tuple[int, Any]:
    """How many statements one GET of ``url`` sends (SAVEPOINTs aside), and the response."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sent = [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    return len(sent), response


@pytest.fixture
def supervisor(world: World) -> Member:
    return world.add_member("sara", world.amane, "supervisor")


def add_work(case: Case, member: Member, notes: int) -> None:
    """Notes, and for each three of them a task, an escalation, a message each way."""
    for n in range(notes):
        actions.add_note(case, member.user, f"Note number {n}")
        if n % 3 == 0:
            actions.add_task(
                case, member.user, title=f"Task {n}", due_at=timezone.now(), assignee=member.user
            )
            actions.escalate(
                case, member.user, platform="tiktok", kind="takedown", reference=f"@account{n}"
            )
            intake_actions.post_reporter_message(case.report, f"Reporter message {n}")
            actions.reply_to_reporter(case, member.user, f"Helpline message {n}")


def worked_case(client: Client, world: World, supervisor: Member, notes: int) -> Case:
    """A case as a supervisor sees it after some work: triaged, assigned, consent recorded
    by a member, a protocol step done, a referral, a transfer asked, and ``notes`` notes
    with tasks, escalations and messages."""
    case = new_case(harm_types=["sexual_extortion", "cyberbullying"], admin1="MA-06")
    assert step(client, case, "triage", risk="high", flags=["active_threat_to_share"]).status_code
    assert step(client, case, "assign", assignee=world.bob.user.pk).status_code == 302
    case.refresh_from_db()
    actions.record_consent(
        case, supervisor.user, purpose="referral", granted=True, given_by="child", method="phone"
    )
    first_step = actions.protocols_for_case(case)[0].steps[0]["id"]
    actions.tick_protocol_step(case, supervisor.user, first_step)
    service = make_service(make_directory_organisation("Casa", "MA"), areas=["MA-06"])
    for _ in range(2):
        Referral.objects.create(
            case=case,
            from_organisation=case.organisation,
            service=service,
            service_type=service.service_type,
            country="MA",
            admin1="MA-06",
            created_by=supervisor.user,
            sent_at=timezone.now(),
        )
    add_work(case, supervisor, notes)
    return case


def test_the_case_page_counts_the_same_for_3_notes_as_for_15(
    signed_in: Any, world: World, supervisor: Member
) -> None:
    client = signed_in(supervisor)
    case = worked_case(client, world, supervisor, notes=3)
    url = f"/en/staff/amane/cases/{case.number}/"
    client.get(url)  # the first opening indexes the case and marks messages read
    few, response = statements(client, url)
    page = response.content.decode()
    assert "Note number 2" in page and "Reporter message 0" in page and "@account0" in page
    add_work(case, supervisor, notes=12)
    client.get(url)
    many, response = statements(client, url)
    page = response.content.decode()
    assert "Note number 11" in page and "Helpline message 9" in page and "@account9" in page
    assert many == few
    assert few <= CASE_PAGE_MAX


def test_the_case_page_of_a_caseworker_counts_no_more(
    signed_in: Any, world: World, supervisor: Member
) -> None:
    case = worked_case(signed_in(supervisor), world, supervisor, notes=3)
    client = signed_in(world.bob)  # assigned: opens the case
    url = f"/en/staff/amane/cases/{case.number}/"
    client.get(url)
    count, response = statements(client, url)
    assert "Note number 2" in response.content.decode()
    assert count <= CASE_PAGE_MAX


def test_the_queue_pages_count_the_same_for_3_cases_as_for_15(
    signed_in: Any, world: World, supervisor: Member
) -> None:
    client = signed_in(supervisor)

    def add_cases(count: int) -> None:
        for n in range(count):
            case = new_case(harm_types=["sexual_extortion"], admin1="MA-06")
            # Assigned, high risk, overdue: every queue lists something.
            Case.objects.filter(pk=case.pk).update(
                assigned_to=supervisor.user if n % 2 else world.bob.user,
                risk_level="high",
                first_contact_due=timezone.now() - timedelta(hours=1),
            )

    add_cases(3)
    # The first staff page of a session fills the cache of the header's unread alerts.
    client.get("/en/staff/amane/cases/")
    few = {}
    for query in QUEUES:
        few[query], response = statements(client, f"/en/staff/amane/cases/?{query}")
        assert "MA-" in response.content.decode()
    add_cases(12)
    for query in QUEUES:
        many, response = statements(client, f"/en/staff/amane/cases/?{query}")
        assert many == few[query], query
        assert many <= LIST_PAGE_MAX, query
    assert response.content.decode().count('href="/en/staff/amane/cases/MA-') == 15


def test_the_dashboard_and_transfers_pages_count_the_same_for_3_cases_as_for_15(
    signed_in: Any, world: World, supervisor: Member
) -> None:
    client = signed_in(supervisor)
    pages = ["/en/staff/amane/cases/dashboard/", "/en/staff/amane/transfers/"]

    def add_overdue_cases(count: int) -> None:
        for _ in range(count):
            case = new_case()
            Case.objects.filter(pk=case.pk).update(
                assigned_to=world.bob.user, first_contact_due=timezone.now() - timedelta(hours=1)
            )

    add_overdue_cases(3)
    client.get(pages[0])  # fills the cache of the header's unread alerts
    few = [statements(client, url)[0] for url in pages]
    add_overdue_cases(12)
    many = [statements(client, url)[0] for url in pages]
    assert many == few
    assert max(many) <= LIST_PAGE_MAX
