"""A poster's QR link carries a campaign code: the report counts for the campaign, and
nothing else about the visitor is kept (no cookie). A code that is unknown, ended, of
another organisation or hostile changes nothing and is never shown as an error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.awareness import campaigns
from digiamen.awareness.tests.helpers import CODE, campaign
from digiamen.conftest import World
from digiamen.evidence import statistics
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, walk

# The answers of the web form, from Morocco (Amane's country).
MOROCCAN = [
    *STEP_ANSWERS[:2],
    {**STEP_ANSWERS[2], "country": "MA", "admin1": "MA-04"},
    *STEP_ANSWERS[3:],
]


def report_through(link: str) -> tuple[Client, Report]:
    """Open the link as a child would, answer every step and send."""
    client = Client()
    page = client.get(link).content.decode()
    first = dict(MOROCCAN[0])
    if 'name="campaign"' in page:
        first["campaign"] = hidden(page, "campaign")
    response = walk(client, link, [first, *MOROCCAN[1:]])
    assert response.status_code == 201  # the receipt page
    return client, Report.objects.order_by("-id").first()  # type: ignore[return-value]


def test_a_report_through_a_posters_link_counts_for_its_campaign(world: World) -> None:
    campaign(world)
    client, report = report_through(f"/ar/report/?c={CODE}")
    assert report.organisation == world.amane and report.campaign == CODE
    assert not client.cookies  # nothing follows the child from page to page
    assert CODE not in str(report.narrative)


@pytest.mark.parametrize(
    "typed",
    ["school-rabat-2027", " SCHOOL-RABAT-2027 "],
)
def test_a_code_is_read_in_any_case_and_spacing(world: World, typed: str) -> None:
    campaign(world)
    _client, report = report_through(f"/en/report/?c={typed}")
    assert report.campaign == CODE


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("/en/report/?c=NO-SUCH-CAMPAIGN", "unknown"),
        ("/en/report/?c=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "hostile"),
        ("/en/report/?c=" + "A" * 300, "too long"),
        ("/en/report/?c=%E2%80%AESCHOOL-RABAT-2027", "bidi override"),
        ("/en/report/?c=SCHOOL-RABAT-2027&c=OTHER", "twice: the last is read, unknown"),
    ],
)
def test_an_unusable_code_is_dropped_without_a_word(world: World, link: str, why: str) -> None:
    campaign(world)
    page = Client().get(link)
    assert page.status_code == 200, why
    assert 'name="campaign"' not in page.content.decode()
    _client, report = report_through(link)
    assert report.campaign == "", why


def test_an_ended_or_future_campaign_is_not_counted(world: World) -> None:
    today = timezone.localdate()
    campaign(
        world, "ENDED-2025", starts_on=today - timedelta(days=90), ends_on=today - timedelta(days=1)
    )
    campaign(
        world, "NEXT-YEAR", starts_on=today + timedelta(days=1), ends_on=today + timedelta(days=90)
    )
    for code in ["ENDED-2025", "NEXT-YEAR"]:
        _client, report = report_through(f"/en/report/?c={code}")
        assert report.campaign == "", code


def test_a_code_forged_into_the_form_is_checked_again(world: World) -> None:
    """The hidden field is the reporter's to change: only a running campaign's code is kept."""
    campaign(world)
    client = Client()
    page = client.get("/en/report/").content.decode()
    assert 'name="campaign"' not in page
    first = {**MOROCCAN[0], "campaign": "MADE-UP-CODE"}
    walk(client, "/en/report/", [first, *MOROCCAN[1:]])
    assert Report.objects.get().campaign == ""


def test_another_organisations_campaign_does_not_follow_a_report_routed_elsewhere(
    world: World,
) -> None:
    campaign(world, "AMMAN-RADIO", organisation=world.jordan, admin1="JO-AM")
    _client, report = report_through("/en/report/?c=AMMAN-RADIO")
    assert report.organisation == world.amane and report.campaign == ""


def test_the_api_takes_a_campaign_code_and_ignores_an_unknown_one(world: World) -> None:
    campaign(world)
    body = {"harm_types": ["sexual_extortion"], "country": "MA", "campaign": CODE.lower()}
    assert (
        Client().post("/api/v1/reports", body, content_type="application/json").status_code == 201
    )
    body["campaign"] = "NOT-A-CAMPAIGN"
    assert (
        Client().post("/api/v1/reports", body, content_type="application/json").status_code == 201
    )
    assert sorted(Report.objects.values_list("campaign", flat=True)) == ["", CODE]


def test_campaign_is_a_statistics_dimension_with_small_cells_hidden(world: World) -> None:
    campaign(world)
    campaign(world, "RADIO-2027", channel="radio")
    links = [f"/en/report/?c={CODE}"] * 6 + ["/en/report/"] * 5 + ["/en/report/?c=RADIO-2027"]
    for link in links:
        report_through(link)
    Report.objects.update(consent_statistics=True)
    table = statistics.count_table(world.amane, ["campaign"], statistics.period("", ""))
    shown = {label: total for label, _cells, total in table.as_rows() if label}
    assert set(shown) == {CODE, "RADIO-2027", "No campaign"}
    assert shown[CODE] == 6
    # One report through the radio campaign: a small cell, never shown as it is.
    assert shown["RADIO-2027"] != 1


def test_normalise_refuses_what_cannot_be_a_code() -> None:
    assert campaigns.normalise("ab") == ""
    assert campaigns.normalise("-AB") == ""
    assert campaigns.normalise("AB-") == ""
    assert campaigns.normalise("ÉCOLE-2027") == ""
    assert campaigns.normalise("١٢٣") == ""
    assert campaigns.normalise(None) == ""
    assert campaigns.normalise("abc-123") == "ABC-123"
