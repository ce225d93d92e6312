"""Count tables over consenting reports: dimensions, periods, consent, and protection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import translation

from digiamen.accounts.models import Organisation
from digiamen.cases.tests.helpers import NARRATIVE
from digiamen.conftest import World
from digiamen.core import places
from digiamen.evidence import statistics
from digiamen.evidence.statistics import StatisticsError
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report

PERIOD = statistics.Period(date(2026, 1, 1), date(2027, 1, 1))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def report(number: int, *, month: int = 3, consent: bool = True, **answers: Any) -> Report:
    data = {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "admin1": "MA-06",
        "age_band": "15_17",
        "consent_statistics": consent,
        "narrative": NARRATIVE,
        "involved_accounts": "@threat_account",
        **answers,
    }
    created = intake_actions.submit_report(
        data, channel="web", submission_id=f"stats-{number}"
    ).report
    Report.objects.filter(pk=created.pk).update(
        created_at=datetime(2026, month, 10, 12, tzinfo=UTC)
    )
    return created


@pytest.fixture
def reports(world: World) -> Organisation:
    for n in range(12):
        report(n)  # 12 sextortion, Casablanca-Settat, 15-17, March
    for n in range(12, 18):
        report(n, harm_types=["sexual_extortion", "cyberbullying"], admin1="MA-04", month=5)
    report(18, harm_types=["online_grooming"], age_band="12_14", month=7)  # alone: small
    for n in range(19, 22):
        report(n, consent=False)  # not counted
    report(22, month=12, consent=True)
    Report.objects.filter(submission_id="stats-22").update(
        created_at=datetime(2027, 1, 2, tzinfo=UTC)  # after the period
    )
    return world.amane


def test_one_dimension_with_small_cells_hidden(reports: Organisation) -> None:
    table = statistics.count_table(reports, ["harm_type"], PERIOD)
    rows = {label: cells[0] for label, cells, _total in table.as_rows()}
    assert rows["Sexual extortion (sextortion)"] == 18
    assert rows["Online grooming"] == "<5"
    # The total is shown, so the next smallest row is hidden to protect the small one.
    assert rows["Cyberbullying"] == "<5"
    assert (table.counted, table.excluded) == (19, 3)
    assert table.excluded_share == pytest.approx(3 / 22)


def test_two_dimensions_cross_multi_valued_and_month(reports: Organisation) -> None:
    table = statistics.count_table(reports, ["month", "harm_type"], PERIOD)
    assert [code for code, _label in table.rows] == PERIOD.months
    columns = [code for code, _label in table.columns]
    assert columns == ["online_grooming", "sexual_extortion", "cyberbullying"]
    march = table.as_rows()[2][1]
    assert march == [0, 12, 0]
    may = table.as_rows()[4][1]
    assert may == [0, 6, 6]
    for label, cells, total in table.as_rows():
        assert not any(isinstance(c, int) and 0 < c < 5 for c in [*cells, total]), label


def test_area_labels_and_sql_follow_the_database(reports: Organisation) -> None:
    table = statistics.count_table(reports, ["admin1", "age_band"], PERIOD)
    assert [code for code, _label in table.rows] == ["MA-04", "MA-06"]
    names = [places.area(code).name("en") for code in ("MA-04", "MA-06")]  # type: ignore[union-attr]
    assert [label for _code, label in table.rows] == names
    with translation.override("ar"):
        arabic = statistics.count_table(reports, ["admin1"], PERIOD)
    assert arabic.rows[0][1] != table.rows[0][1]


@pytest.mark.parametrize(
    "codes",
    [[], ["harm_type", "harm_type"], ["name"], ["harm_type", "sex", "channel"], ["narrative"]],
)
def test_bad_dimensions_are_refused(reports: Organisation, codes: list[str]) -> None:
    with pytest.raises(StatisticsError):
        statistics.count_table(reports, codes, PERIOD)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-13", ""),
        ("2026-5", ""),
        ("1999-01", "2000-01"),
        ("2026-06", "2026-01"),
        ("2000-01", "2026-01"),
        ("x; drop table", ""),
        ("2026-01", "9999-12"),
    ],
)
def test_bad_periods_are_refused(start: str, end: str) -> None:
    with pytest.raises(StatisticsError):
        statistics.period(start, end)


def test_default_period_is_the_last_twelve_months() -> None:
    chosen = statistics.period("", "", today=date(2026, 11, 25))
    assert chosen.months[0] == "2025-12" and chosen.months[-1] == "2026-11"
    assert len(chosen.months) == 12
    january = statistics.period("", "", today=date(2026, 1, 3))
    assert january.months[0] == "2025-02" and january.months[-1] == "2026-01"


def test_no_reports_gives_an_empty_table(world: World) -> None:
    table = statistics.count_table(world.jordan, ["harm_type"], PERIOD)
    assert table.rows == [] and table.counted == 0
    assert table.as_rows() == [("", [0], 0)]


def test_no_consenting_reports_crossed_by_month(world: World) -> None:
    report(1, consent=False)
    table = statistics.count_table(world.amane, ["month", "harm_type"], PERIOD)
    assert table.rows == [] and table.columns == [] and table.excluded == 1
    assert table.as_rows() == [("", [], 0)]


def test_who_harms_the_child_is_a_dimension(world: World) -> None:
    for n in range(6):
        report(100 + n, perpetrator_relationship="stranger_online")
    for n in range(5):
        report(110 + n, perpetrator_relationship="family_member")
    report(120, perpetrator_relationship="teacher_or_tutor")
    table = statistics.count_table(world.amane, ["perpetrator", "age_band"], PERIOD)
    rows = {label: cells for label, cells, _total in table.as_rows()}
    assert rows["A stranger met online"] == [6]
    assert rows["A teacher or tutor"] == ["<5"]
    assert Report.objects.filter(perpetrator_relationship="family_member").count() == 5


def test_every_category_lists_zeros(reports: Organisation) -> None:
    table = statistics.count_table(reports, ["sex"], PERIOD, every_category=True)
    assert {code for code, _label in table.rows} == {"female", "male", "other", "unknown"}


def test_postgresql_never_compiles_statistics_queries(reports: Organisation) -> None:
    """On PostgreSQL, JIT turned a 5 ms two-lists table into 150 ms of compiling (the
    planner guesses 100 elements for every unnested list): the connection turns it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict["OPTIONS"]
        return
    assert "-c jit=off" in connection.settings_dict["OPTIONS"]["options"]
    sql, params, _consent = statistics.table_query(
        reports, statistics.dimensions(["harm_type", "platform"]), PERIOD
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    assert "JIT" not in plan[0]
