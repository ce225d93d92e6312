"""The statistics page and API: allowed roles, other organisations, anonymous; bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from digiamen.cases.tests.helpers import NARRATIVE
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World
from digiamen.evidence.tests.test_statistics import report

URL = "/{lang}/staff/amane/statistics/"


@pytest.fixture
def officer(world: World) -> Any:
    for n in range(8):
        report(n, month=1)
    report(8, harm_types=["online_grooming"], month=1)
    return world.add_member("dora", world.amane, "data_officer")


def _this_year_period() -> str:
    return "start=2026-01&end=2026-12"


def test_the_page_in_three_languages(officer: Any, signed_in: Any) -> None:
    for language in ("ar", "fr", "en"):
        client = signed_in(officer, language)
        response = client.get(URL.format(lang=language) + "?rows=harm_type&" + _this_year_period())
        assert response.status_code == 200, language
        html = response.content.decode()
        assert "<svg" in html and "<table" in html
        assert "&lt;5" in html  # the lone grooming report is hidden
        cells = re.findall(r"<td>([^<]*)</td>", html)
        assert "1" not in cells


def test_two_dimensions_and_the_default(officer: Any, signed_in: Any) -> None:
    client = signed_in(officer)
    assert client.get(URL.format(lang="en")).status_code == 200
    crossed = client.get(
        URL.format(lang="en") + "?rows=month&columns=harm_type&" + _this_year_period()
    )
    assert crossed.status_code == 200
    assert "2026-01" in crossed.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "rows=narrative",
        "rows=harm_type&columns=harm_type",
        "rows=harm_type&start=2026-13",
        "rows=harm_type&start=2026-06&end=2026-01",
        "rows=harm_type&start=1900-01",
    ],
)
def test_bad_requests_are_400(officer: Any, signed_in: Any, query: str) -> None:
    response = signed_in(officer).get(URL.format(lang="en") + "?" + query)
    assert response.status_code == 400
    assert '<table class="statistics"' not in response.content.decode()


def test_who_may_see_statistics(world: World, officer: Any, signed_in: Any, client: Client) -> None:
    url = URL.format(lang="en")
    assert signed_in(world.bob).get(url).status_code == 403  # a caseworker
    assert signed_in(world.alice).get(url).status_code == 403  # an org admin
    assert signed_in(world.charlie).get(url).status_code == 404  # another organisation
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]


def test_api_returns_the_protected_table(world: World, officer: Any) -> None:
    auth = token_for(officer)
    response = Client().get("/api/v1/stats?by=harm_type&from=2026-01&to=2026-12", **auth)
    assert response.status_code == 200, response.content
    data = response.json()
    rows = {row["value"]: cells[0] for row, cells in zip(data["rows"], data["cells"], strict=True)}
    assert rows["online_grooming"] == "<5"
    assert rows["sexual_extortion"] == "<5"  # hidden: with the total, it would give the 1 away
    assert data["reports_counted"] == 9 and data["threshold"] == 5
    crossed = Client().get("/api/v1/stats?by=harm_type,admin1&from=2026-01&to=2026-12", **auth)
    assert crossed.status_code == 200
    assert crossed.json()["dimensions"] == ["harm_type", "admin1"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("by=name", 400),
        ("by=harm_type,harm_type", 400),
        ("by=a,b,c", 400),
        ("by=harm_type&from=2026-99", 422),
        ("by=harm_type&from=2026-1", 422),
    ],
)
def test_api_bad_requests(world: World, officer: Any, query: str, status: int) -> None:
    response = Client().get(f"/api/v1/stats?{query}", **token_for(officer))
    assert response.status_code == status
    assert response.json()["detail"]


def test_api_refuses_other_roles_and_anonymous(world: World, officer: Any) -> None:
    assert Client().get("/api/v1/stats", **token_for(world.bob)).status_code == 403
    assert Client().get("/api/v1/stats").status_code == 401


def _numbers_in(values: list[Any]) -> list[int]:
    found = []
    for value in values:
        if isinstance(value, int):
            found.append(value)
        elif isinstance(value, str) and value.strip().isdigit():
            found.append(int(value))
    return found


@pytest.mark.parametrize("kind", ["csv", "xlsx", "hxl"])
@pytest.mark.parametrize("query", ["rows=harm_type", "rows=month&columns=harm_type"])
def test_exports_hold_no_small_count_no_text_no_case_id(
    officer: Any, signed_in: Any, kind: str, query: str
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from digiamen.cases.models import Case

    url = URL.format(lang="fr") + f"export/{kind}/?{query}&{_this_year_period()}"
    response = signed_in(officer, "fr").get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
        text = " ".join(str(value) for value in values if value is not None)
    else:
        text = response.content.decode("utf-8-sig")
        values = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [n for n in _numbers_in(values) if 0 < n < 5], values
    assert "<5" in text
    assert NARRATIVE not in text and "@threat_account" not in text
    for number in Case.objects.values_list("number", flat=True):
        assert number not in text
    if kind == "hxl":
        assert "#affected+children+reports" in text and "#indicator+harm+code" in text


def test_exports_refuse_bad_requests_and_others(
    world: World, officer: Any, signed_in: Any, client: Client
) -> None:
    base = URL.format(lang="en") + "export/"
    assert signed_in(officer).get(base + "docx/").status_code == 404
    assert signed_in(officer).get(base + "csv/?rows=narrative").status_code == 400
    assert signed_in(world.bob).get(base + "csv/").status_code == 403
    assert signed_in(world.charlie).get(base + "csv/").status_code == 404
    assert client.get(base + "csv/").status_code == 302


def test_a_one_way_table_shows_its_count_once_and_months_are_chosen_from_a_list(
    officer: Any, signed_in: Any
) -> None:
    client = signed_in(officer, "fr")
    one_way = client.get(URL.format(lang="fr") + "?rows=harm_type&" + _this_year_period())
    html = one_way.content.decode()
    header = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert header is not None
    columns = re.findall(r"<th scope=\"col\">([^<]*)</th>", header.group(1))
    assert len(columns) == 2 and "Total" not in columns  # the dimension, then the count
    crossed = client.get(
        URL.format(lang="fr") + "?rows=month&columns=harm_type&" + _this_year_period()
    ).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", crossed, re.S)
    assert header is not None and "Total" in header.group(1)
    # Months are a list of months (no date picker, no JavaScript), named in French, the
    # chosen one selected; the value stays YYYY-MM for links and exports.
    assert 'type="month"' not in html
    assert re.search(r'<select name="start"[^>]*>', html)
    assert '<option value="2026-01" selected>janvier 2026</option>' in html
    assert '<option value="2026-12" selected>décembre 2026</option>' in html
    # The CSV has no twin column either.
    csv = client.get(
        "/fr/staff/amane/statistics/export/csv/?rows=harm_type&" + _this_year_period()
    ).content.decode()
    lines = csv.splitlines()
    assert lines and lines[0].count(",") == 1 and "Total" not in lines[0]
