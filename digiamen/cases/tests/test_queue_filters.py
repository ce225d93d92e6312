"""The queue's filters: exact values, read from the case's own copies of the report's
categories (no join to the reports), and on PostgreSQL a harm-type containment a GIN index
answers (budgets issue: the filter scanned the text of every report, then joined it)."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import product
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiamen.accounts.models import Membership
from digiamen.cases.models import Case
from digiamen.cases.tests.helpers import new_case
from digiamen.cases.views import filter_cases
from digiamen.conftest import World
from digiamen.intake import actions as intake_actions


def _case_by(channel: str, **answers: Any) -> Case:
    """A case received on ``channel`` (new_case's come from the website)."""
    answers = {"country": "MA", "narrative": "Words.", **answers}
    report = intake_actions.submit_report(
        answers, channel=channel, submission_id=f"filters-{Case.objects.count()}"
    ).report
    return Case.objects.get(report=report)


def _membership(world: World) -> Membership:
    return Membership.objects.get(user=world.alice.user, organisation=world.amane)


def test_queue_harm_filter_matches_the_harm_type_exactly(world: World) -> None:
    grooming = new_case(harm_types=["online_grooming"])
    both = new_case(harm_types=["cyberbullying", "sexual_extortion"])
    membership = _membership(world)
    found = filter_cases(membership, {"queue": "all", "harm": "sexual_extortion"})
    assert list(found) == [both]
    assert list(filter_cases(membership, {"queue": "all", "harm": "online_grooming"})) == [grooming]
    # A value inside another value is not a match ("grooming" in "online_grooming"), nor a
    # value in another case, nor one holding the list's own punctuation or LIKE wildcards.
    for part in ("grooming", "online", "online_groomin", "ONLINE_GROOMING", '"online_grooming"'):
        assert not filter_cases(membership, {"queue": "all", "harm": part}).exists(), part
    for wildcard in ("%", "_", "online%", "online_grooming%", "%grooming"):
        assert not filter_cases(membership, {"queue": "all", "harm": wildcard}).exists(), wildcard


def test_queue_harm_filter_tells_apart_codes_that_contain_each_other(world: World) -> None:
    """Codes that are substrings of one another (as a new taxonomy code could be): each
    filter finds the cases holding exactly that code."""
    codes = ["abuse", "online_abuse", "online_abuse_live", "abuse_other"]
    cases = {code: new_case(harm_types=[code]) for code in codes}
    pair = new_case(harm_types=["online_abuse", "abuse_other"])
    membership = _membership(world)
    for code in codes:
        found = set(filter_cases(membership, {"queue": "all", "harm": code}))
        expected = {cases[code]} | ({pair} if code in ("online_abuse", "abuse_other") else set())
        assert found == expected, code


def test_queue_filters_give_the_cases_the_report_join_gave(world: World) -> None:
    """Every combination of harm, area, age and channel filters (with and without a queue)
    finds exactly the cases the filters on the report itself find, as the queue did before
    the report's categories were copied onto the case."""
    harms = [["sexual_extortion"], ["cyberbullying", "online_grooming"], ["online_grooming"], []]
    areas, ages = ["MA-06", "MA-01", ""], ["12_14", "unknown"]
    for n, (harm_types, admin1, age) in enumerate(product(harms, areas, ages)):
        case = _case_by(("web", "sms")[n % 2], harm_types=harm_types, admin1=admin1, age_band=age)
        if n % 3 == 0:
            Case.objects.filter(pk=case.pk).update(status=Case.Status.TRIAGED)
    # A case of another organisation with the same categories is never listed.
    other = new_case(organisation_country="JO", harm_types=["sexual_extortion"], admin1="MA-06")
    assert other.organisation == world.jordan
    membership = _membership(world)
    checked = 0
    for queue, harm, admin1, age, channel in product(
        ["all", "new"],
        ["", "sexual_extortion", "online_grooming", "cyberbullying", "csam"],
        ["", "ma-06", "MA-01"],
        ["", "12_14"],
        ["", "web", "sms"],
    ):
        data = {"queue": queue, "harm": harm, "admin1": admin1, "age": age, "channel": channel}
        found = list(filter_cases(membership, data).values_list("pk", flat=True))
        reference = Case.objects.filter(organisation=world.amane)
        if queue == "new":
            reference = reference.filter(status=Case.Status.NEW)
        if admin1:
            reference = reference.filter(report__admin1=admin1.upper())
        if age:
            reference = reference.filter(report__age_band=age)
        if channel:
            reference = reference.filter(report__channel=channel)
        expected = [
            case.pk
            for case in reference.select_related("report").order_by("-created_at")
            if not harm or harm in case.report.harm_types
        ]
        # The same cases (their order is the queue's, by danger: tested on its own).
        assert sorted(found) == sorted(expected), data
        checked += bool(expected)
    assert checked > 20  # the combinations above mostly find something


def _count_sql(world: World, data: dict[str, Any]) -> str:
    cases = filter_cases(_membership(world), data)
    with CaptureQueriesContext(connection) as captured:
        cases.count()
    [query] = captured.captured_queries
    return str(query["sql"])


def test_queue_filters_count_without_joining_the_reports(world: World) -> None:
    """The count and the page's search read the case table alone, whatever the filters;
    the harm type by exact element (a containment on PostgreSQL, json_each on SQLite)."""
    new_case(harm_types=["cyberbullying"], admin1="MA-06")
    data = {"queue": "all", "harm": "cyberbullying", "admin1": "MA-06", "age": "12_14"}
    sql = _count_sql(world, {**data, "channel": "web"})
    assert "intake_report" not in sql
    if connection.vendor == "postgresql":
        assert "@>" in sql and "json_each" not in sql
    else:
        assert "json_each" in sql and "LIKE" not in sql.upper()
    assert "intake_report" not in _count_sql(world, {"queue": "new", "harm": "cyberbullying"})


def test_the_harm_filter_has_a_gin_index_on_postgresql(world: Any) -> None:
    """On PostgreSQL (CI runs the suite on it too) a GIN index on the case's harm types;
    SQLite, the embedded mode, has none."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
            "AND indexdef LIKE '%%USING gin%%'"
        )
        indexes = dict(cursor.fetchall())
    assert "harm_types jsonb_path_ops" in indexes["cases_case_harm_types_gin"]


def test_the_queue_puts_the_most_dangerous_case_first(world: World, signed_in: Any) -> None:
    """Urgent before the rest, overdue before on time, the nearest deadline first, cases
    already contacted last; each marked on the page in words."""
    now = timezone.now()
    calm_late = new_case()  # overdue, not urgent
    calm_soon = new_case()  # due soon
    calm_later = new_case()  # due later
    contacted = new_case()  # first contact made: last
    urgent = new_case()  # urgent flags, due latest of all

    def change(case: Case, **values: Any) -> None:
        for name, value in values.items():
            setattr(case, name, value)
        case.save(update_fields=list(values))  # as the actions save: the order follows

    change(calm_late, first_contact_due=now - timedelta(minutes=5))
    change(calm_soon, first_contact_due=now + timedelta(hours=1))
    change(calm_later, first_contact_due=now + timedelta(hours=9))
    change(contacted, first_contact_due=now - timedelta(hours=2), first_contacted_at=now)
    change(
        urgent,
        first_contact_due=now + timedelta(days=2),
        urgent_flags=["active_threat_to_share"],
    )
    found = list(filter_cases(_membership(world), {"queue": "all"}).values_list("pk", flat=True))
    assert found == [urgent.pk, calm_late.pk, calm_soon.pk, calm_later.pk, contacted.pk]

    page = signed_in(world.bob).get("/en/staff/amane/cases/?queue=all").content.decode()
    numbers = re.findall(r'class="case-number" href="[^"]+">([^<]+)</a>', page)
    assert numbers[:2] == [urgent.number, calm_late.number]
    first_row = page.split('class="case-number"')[1].split("</tr>")[0]
    assert 'class="badge badge-danger">urgent<' in first_row
    second_row = page.split('class="case-number"')[2].split("</tr>")[0]
    assert 'class="badge badge-danger">Overdue<' in second_row and "overdue by 5 min" in second_row
