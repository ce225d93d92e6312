"""Prevention beside reporting: sessions and people reached next to the reports received
(through a campaign or not), and the reports of the 90 days before and after the first
session in an area; report counts protected like every table; the page for the statistics
roles only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from digiamen.accounts.models import Role
from digiamen.awareness.models import AwarenessSession, Campaign
from digiamen.conftest import World
from digiamen.evidence import prevention, statistics
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report

PAGE = "/en/staff/amane/statistics/prevention/"


def _reports(world: World, count: int, when: datetime, admin1: str, campaign: str = "") -> None:
    for _number in range(count):
        report = intake_actions.submit_report(
            {
                "harm_types": ["cyberbullying"],
                "country": "MA",
                "admin1": admin1,
                "consent_statistics": True,
            },
            channel="web",
            submission_id=f"prevention-{Report.objects.count()}",
        ).report
        Report.objects.filter(pk=report.pk).update(created_at=when, campaign=campaign)


def _session(world: World, held_on: date, admin1: str, children: int, adults: int) -> None:
    AwarenessSession.objects.create(
        organisation=world.amane,
        held_on=held_on,
        admin1=admin1,
        setting="school",
        audience="mixed",
        participants={},
        children_reached=children,
        adults_reached=adults,
        recorded_by=world.bob.user,
    )


@pytest.fixture(autouse=True)
def _in_english() -> Any:
    with translation.override("en"):
        yield


def test_sessions_beside_reports_per_month_with_small_counts_hidden(world: World) -> None:
    Campaign.objects.create(
        organisation=world.amane,
        code="SCHOOL-2026",
        name="Schools",
        channel="school_session",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        created_by=world.alice.user,
    )
    _session(world, date(2026, 3, 10), "MA-04", 40, 5)
    _session(world, date(2026, 3, 20), "MA-04", 20, 0)
    _reports(world, 6, datetime(2026, 3, 25, tzinfo=UTC), "MA-04", "SCHOOL-2026")
    _reports(world, 7, datetime(2026, 3, 26, tzinfo=UTC), "MA-04")
    _reports(world, 6, datetime(2026, 4, 2, tzinfo=UTC), "MA-06")
    _reports(world, 2, datetime(2026, 5, 2, tzinfo=UTC), "MA-06")
    chosen = statistics.period("2026-03", "2026-04")
    table = prevention.reach_table(world.amane, "month", chosen)
    rows = {label: (activity, cells, total) for label, activity, cells, total in table.as_rows()}
    assert rows["March 2026"] == ((2, 60, 5), [6, 7], 13)
    assert rows["April 2026"] == ((0, 0, 0), [0, 6], 6)
    assert rows[""] == ((2, 60, 5), [6, 13], 19)  # the totals
    # Two reports in May: a small count, hidden, and nothing in the totals gives it away.
    may = prevention.reach_table(world.amane, "month", statistics.period("2026-05", "2026-05"))
    assert [cells for _label, _activity, cells, _total in may.as_rows()] == [
        [0, "<5"],
        [0, "<5"],
    ]
    by_area = prevention.reach_table(world.amane, "admin1", chosen)
    labels = [label for label, *_rest in by_area.as_rows()]
    assert labels[:2] == ["Casablanca-Settat", "Rabat-Sale-Kenitra"]


def test_reports_before_and_after_the_first_session_of_an_area(world: World) -> None:
    first = date(2026, 5, 1)
    _session(world, first, "MA-04", 30, 0)
    _session(world, first + timedelta(days=20), "MA-04", 30, 0)  # not the first: no effect
    _reports(world, 5, datetime(2026, 3, 1, tzinfo=UTC), "MA-04")  # 61 days before
    _reports(world, 1, datetime(2026, 1, 1, tzinfo=UTC), "MA-04")  # more than 90 days before
    _reports(world, 9, datetime(2026, 6, 1, tzinfo=UTC), "MA-04")  # 31 days after
    _reports(world, 1, datetime(2026, 9, 1, tzinfo=UTC), "MA-04")  # more than 90 days after
    _reports(world, 8, datetime(2026, 6, 1, tzinfo=UTC), "MA-06")  # another area
    around = prevention.before_and_after(world.amane, statistics.period("2026-05", "2026-05"))
    assert around.as_rows()[0] == ("Rabat-Sale-Kenitra", first, [5, 9])
    assert not around.unfinished


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.SUPERVISOR, Role.NETWORK_COORDINATOR])
def test_the_statistics_roles_see_the_page(world: World, signed_in: Any, role: str) -> None:
    _session(world, date(2026, 11, 3), "MA-04", 12, 3)
    member = world.add_member(f"m-{role}", world.amane, role)
    page = signed_in(member).get(PAGE + "?rows=admin1&start=2026-11&end=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rabat-Sale-Kenitra" in html and "<svg" in html


def test_other_roles_another_organisation_and_strangers_do_not(
    world: World, signed_in: Any
) -> None:
    assert signed_in(world.bob).get(PAGE).status_code == 403
    assert signed_in(world.alice).get(PAGE).status_code == 403
    assert signed_in(world.charlie).get(PAGE).status_code == 404
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize(
    "query",
    ["?rows=harm_type", "?start=2026-13", "?start=2026-05&end=2026-01", "?start=%00"],
)
def test_bad_choices_are_refused_in_the_readers_language(
    world: World, signed_in: Any, query: str
) -> None:
    member = world.add_member("officer", world.amane, Role.DATA_OFFICER)
    page = signed_in(member).get("/fr" + PAGE.removeprefix("/en") + query)
    assert page.status_code == 400
    assert 'lang="fr"' in page.content.decode()


def test_the_hxl_export_tags_activity_and_reach_and_keeps_small_counts_hidden(
    world: World, signed_in: Any
) -> None:
    _session(world, date(2026, 3, 10), "MA-04", 40, 5)
    _reports(world, 6, datetime(2026, 3, 25, tzinfo=UTC), "MA-04")
    _reports(world, 2, datetime(2026, 3, 26, tzinfo=UTC), "MA-04", "SCHOOL-2026")
    officer = world.add_member("dora", world.amane, Role.DATA_OFFICER)
    response = signed_in(officer).get(
        "/en/staff/amane/statistics/prevention/export/?rows=admin1&start=2026-03&end=2026-03"
    )
    assert response.status_code == 200 and "hxl" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[1].split(",")[2:4] == ["#activity+awareness", "#reached+children"]
    assert lines[2].split(",") == ["MA-04", "Rabat-Sale-Kenitra", "1", "40", "5", "<5", "<5", "8"]
    assert (
        signed_in(world.bob).get("/en/staff/amane/statistics/prevention/export/").status_code == 403
    )


def test_the_brief_carries_prevention_only_when_sessions_were_held(world: World) -> None:
    from digiamen.evidence import brief

    chosen = statistics.period("2026-03", "2026-03")
    _reports(world, 6, datetime(2026, 3, 25, tzinfo=UTC), "MA-04")
    assert "Prevention and reporting" not in brief.brief_html(world.amane, chosen)
    _session(world, date(2026, 3, 10), "MA-04", 40, 5)
    html = brief.brief_html(world.amane, chosen)
    assert "Prevention and reporting" in html and "Rabat-Sale-Kenitra" in html
