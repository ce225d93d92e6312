"""The PDF brief and the charts: drawn from protected tables only, right to left in Arabic."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from digiamen.cases.tests.helpers import NARRATIVE
from digiamen.conftest import World
from digiamen.core import pdf
from digiamen.evidence import brief, charts, statistics
from digiamen.evidence.tests.test_statistics import report
from digiamen.evidence.tests.test_views import URL


@pytest.fixture
def officer(world: World) -> Any:
    for n in range(8):
        report(n, month=1)
    report(8, harm_types=["online_grooming"], month=1)
    report(9, month=3)
    return world.add_member("dora", world.amane, "data_officer")


def test_the_brief_holds_only_protected_figures(world: World, officer: Any) -> None:
    period = statistics.period("2026-01", "2026-12")
    for language in ("ar", "fr", "en"):
        with translation.override(language):
            html = brief.brief_html(world.amane, period)
        assert ('dir="rtl"' in html) == (language == "ar")
        cells = re.findall(r"<td>([^<]*)</td>", html)
        assert not [c for c in cells if c.strip().isdigit() and 0 < int(c) < 5], cells
        assert "&lt;5" in html
        assert NARRATIVE not in html and "@threat_account" not in html
        assert "MA-26-" not in html  # no case number


def test_the_brief_downloads_as_pdf_without_fetching(officer: Any, signed_in: Any) -> None:
    for language in ("ar", "fr", "en"):
        url = URL.format(lang=language) + "export/pdf/?rows=harm_type&start=2026-01&end=2026-12"
        response = signed_in(officer, language).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    with pytest.raises(pdf.NoFetching):
        pdf._refuse("https://example.org/font.woff")


def test_the_pdf_export_refuses_bad_input(officer: Any, signed_in: Any) -> None:
    response = signed_in(officer).get(URL.format(lang="en") + "export/pdf/?rows=narrative")
    assert response.status_code == 400


def test_a_line_chart_breaks_at_a_hidden_value() -> None:
    points: list[tuple[str, int | str]] = [("01", 10), ("02", 12), ("03", "<5"), ("04", 9)]
    svg = str(charts.line_chart(points, title="t", description="d", right_to_left=False))
    assert svg.count("<polyline") == 1  # 01-02 joined; 04 alone; nothing drawn through 03
    assert svg.count("<circle") == 3 and "&lt;5" in svg
    rtl = str(charts.line_chart(points, title="t", description="d", right_to_left=True))
    first_x = lambda svg: float(re.findall(r'<circle cx="([0-9.]+)"', svg)[0])  # noqa: E731
    assert first_x(rtl) > first_x(svg)  # time runs from the right in Arabic


def test_a_stacked_bar_chart_leaves_hidden_parts_out() -> None:
    rows: list[tuple[str, list[int | str]]] = [("a", [10, 5]), ("b", [20, "x"])]
    svg = str(
        charts.stacked_bar_chart(
            rows, ["one", "two"], title="t", description="d", right_to_left=False
        )
    )
    assert svg.count('class="bar series-0"') == 3  # two bars and the legend
    assert svg.count('class="bar series-1"') == 2  # one bar and the legend
    assert "+*" in svg and "<title" in svg and "<desc" in svg


def test_the_statistics_page_picks_the_chart(officer: Any, signed_in: Any) -> None:
    client = signed_in(officer, "ar")
    trend = client.get(URL.format(lang="ar") + "?rows=month&start=2026-01&end=2026-12")
    assert "<polyline" in trend.content.decode()
    crossed = client.get(
        URL.format(lang="ar") + "?rows=harm_type&columns=month&start=2026-01&end=2026-12"
    )
    assert "series-0" in crossed.content.decode()
