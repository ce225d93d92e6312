"""Months by name as each country writes them: statistics, brief, exports (core.months)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from digiamen.conftest import World
from digiamen.core.months import activate_country, deactivate_country, month_label
from digiamen.evidence.tests.test_statistics import report

PERIOD = "start=2026-01&end=2026-07"


@pytest.mark.parametrize(
    ("language", "country", "month", "expected"),
    [
        ("ar", "JO", "2026-01", "كانون الثاني 2026"),
        ("ar", "LB", "2026-12", "كانون الأول 2026"),
        ("ar", "DZ", "2026-01", "جانفي 2026"),
        ("ar", "TN", "2026-06", "جوان 2026"),
        ("ar", "MA", "2026-07", "يوليوز 2026"),
        ("ar", "MA", "2026-08", "غشت 2026"),
        ("ar", "EG", "2026-01", "يناير 2026"),
        ("ar", "", "2026-01", "يناير 2026"),  # no country: the standard names
        ("ar", "ZZ", "2026-01", "يناير 2026"),  # a country CLDR does not know
        ("fr", "MA", "2026-02", "février 2026"),
        ("en", "JO", "2026-12", "December 2026"),
    ],
)
def test_month_names_per_language_and_country(
    language: str, country: str, month: str, expected: str
) -> None:
    assert month_label(month, language=language, country=country) == expected


def test_dates_work_and_what_is_not_a_month_comes_back_unchanged() -> None:
    assert month_label(date(2026, 3, 17), language="fr", country="") == "mars 2026"
    for value in ("2026-13", "2026-00", "26-01", "2026-1x", "", "<b>"):
        assert month_label(value, language="en", country="") == value


def test_the_active_country_is_used_until_it_is_reset() -> None:
    with translation.override("ar"):
        activate_country("jo")
        try:
            assert month_label("2026-01") == "كانون الثاني 2026"
        finally:
            deactivate_country()
        assert month_label("2026-01") == "يناير 2026"


def _caption(html: str) -> str:
    found = re.search(r"<caption[^>]*>(.*?)</caption>", html, re.S)
    assert found is not None
    return found.group(1)


def test_statistics_name_months_as_the_organisation_s_country_does(
    world: World, signed_in: Any, client: Client
) -> None:
    for n in range(6):
        report(n, month=1)
        report(100 + n, month=1, country="JO", admin1="JO-AM")
    moroccan = world.add_member("dora", world.amane, "data_officer")
    jordanian = world.add_member("jamil", world.jordan, "data_officer")
    query = f"?rows=month&{PERIOD}"

    rabat = signed_in(moroccan, "ar").get("/ar/staff/amane/statistics/" + query)
    assert rabat.status_code == 200
    html = rabat.content.decode()
    assert "يناير 2026" in _caption(html) and "يوليوز 2026" in _caption(html)
    assert re.search(r'<th scope="row">يناير 2026</th>', html)
    assert '<option value="2026-07" selected>يوليوز 2026</option>' in html

    amman = signed_in(jordanian, "ar").get("/ar/staff/jordan/statistics/" + query)
    assert amman.status_code == 200
    caption = _caption(amman.content.decode())
    assert "كانون الثاني 2026" in caption and "تموز 2026" in caption
    assert "يناير" not in caption

    # The next request, with no organisation in it, does not keep Amman's names.
    with translation.override("ar"):
        client.get("/ar/")
        assert month_label("2026-01") == "يناير 2026"

    french = signed_in(moroccan, "fr").get("/fr/staff/amane/statistics/" + query)
    assert "janvier 2026" in _caption(french.content.decode())


def test_spreadsheets_keep_months_as_data(world: World, signed_in: Any) -> None:
    for n in range(6):
        report(n, month=1)
    officer = world.add_member("dora", world.amane, "data_officer")
    csv = (
        signed_in(officer, "ar")
        .get(f"/ar/staff/amane/statistics/export/csv/?rows=month&{PERIOD}")
        .content.decode("utf-8-sig")
    )
    rows = [line.split(",")[0] for line in csv.splitlines()[1:8]]
    assert rows == [f"2026-0{n}" for n in range(1, 8)]
    crossed = (
        signed_in(officer, "ar")
        .get(f"/ar/staff/amane/statistics/export/csv/?rows=harm_type&columns=month&{PERIOD}")
        .content.decode("utf-8-sig")
    )
    assert "2026-01,2026-02" in crossed.splitlines()[0]
