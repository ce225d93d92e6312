"""Network and platform accountability pages: allowed users, other users, anonymous, bad input."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from digiamen.cases.models import Case, Escalation
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import TEST_PLACE, World, csrf_token_of
from digiamen.core import encryption
from digiamen.evidence import accountability, statistics
from digiamen.evidence.models import PeerInstance, SharedAggregate
from digiamen.evidence.tests.test_network import GOOD, _other_key, regional, signed
from digiamen.networks.models import Network, NetworkMember

__all__ = ["regional"]  # the fixture, imported for these tests

NETWORK = "/{lang}/staff/amane/networks/mena/"


@pytest.fixture
def coordinator(world: World) -> Any:
    return world.add_member("nora", world.amane, "network_coordinator")


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_coordinator_sees_cross_border_figures(
    regional: Network, coordinator: Any, signed_in: Any, language: str
) -> None:
    client = signed_in(coordinator, language)
    page = client.get(NETWORK.format(lang=language) + "?rows=harm_type&start=2026-01&end=2026-12")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and '<table class="statistics"' in html
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert "7" in cells and not [c for c in cells if c.isdigit() and 0 < int(c) < 5]
    by_month = client.get(NETWORK.format(lang=language) + "?rows=month&start=2026-01&end=2026-12")
    assert by_month.status_code == 200 and "2026-03" in by_month.content.decode()


@pytest.mark.parametrize(
    "query", ["rows=narrative", "rows=harm_type&start=2026-12&end=2026-01", "start=20x6-01"]
)
def test_bad_network_requests(
    regional: Network, coordinator: Any, signed_in: Any, query: str
) -> None:
    response = signed_in(coordinator).get(NETWORK.format(lang="en") + "?" + query)
    assert response.status_code == 400
    assert '<table class="statistics"' not in response.content.decode()


def test_who_sees_the_network(
    world: World, regional: Network, coordinator: Any, signed_in: Any, client: Client
) -> None:
    url = NETWORK.format(lang="en")
    officer = world.add_member("dora", world.amane, "data_officer")
    jordan_coordinator = world.add_member("jamal", world.jordan, "network_coordinator")
    assert signed_in(officer).get(url).status_code == 403
    # A coordinator of a member organisation is not the network's coordinator.
    assert signed_in(jordan_coordinator).get(url).status_code == 404
    assert signed_in(jordan_coordinator).get("/en/staff/jordan/networks/mena/").status_code == 404
    assert client.get(url).status_code == 302
    for page in ("settings/", "export/", "platforms/"):
        assert signed_in(officer).get(url + page).status_code == 403
        assert client.get(url + page).status_code == 302


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token_of(client.get(url).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def test_the_coordinator_manages_members_peers_and_files(
    world: World, regional: Network, coordinator: Any, signed_in: Any
) -> None:
    client = signed_in(coordinator)
    url = NETWORK.format(lang="en") + "settings/"
    page = client.get(url)
    assert page.status_code == 200
    jordan = NetworkMember.objects.get(network=regional, organisation=world.jordan)
    assert (
        _post(client, url, {"operation": "remove_member", "member": jordan.pk}).status_code == 302
    )
    assert not SharedAggregate.objects.filter(organisation=world.jordan).exists()
    assert (
        _post(client, url, {"operation": "add_member", "organisation": "jordan"}).status_code == 302
    )
    again = _post(client, url, {"operation": "add_member", "organisation": "jordan"})
    assert again.status_code == 400 and "member already" in again.content.decode()
    unknown = _post(client, url, {"operation": "add_member", "organisation": "nobody"})
    assert unknown.status_code == 400
    key = base64.b64encode(bytes(_other_key().verify_key)).decode()
    trusted = _post(client, url, {"operation": "add_peer", "name": "tunisia", "public_key": key})
    assert trusted.status_code == 302
    token = csrf_token_of(client.get(url).content.decode())
    upload = io.BytesIO(signed(GOOD))
    upload.name = "tunisia.hxl.csv"
    imported = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "import", "file": upload}
    )
    assert imported.status_code == 302
    assert SharedAggregate.objects.filter(peer__name="tunisia").count() == 5
    tampered = io.BytesIO(signed(GOOD).replace(b",12\r\n", b",2\r\n"))
    tampered.name = "tampered.csv"
    refused = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "import", "file": tampered}
    )
    assert refused.status_code == 400 and "nothing changed" in refused.content.decode()
    assert SharedAggregate.objects.filter(peer__name="tunisia").count() == 5
    peer = PeerInstance.objects.get(name="tunisia")
    assert _post(client, url, {"operation": "remove_peer", "peer": peer.pk}).status_code == 302
    assert not SharedAggregate.objects.filter(peer__isnull=False).exists()
    assert _post(client, url, {"operation": "remove_peer", "peer": "999"}).status_code == 404
    assert _post(client, url, {"operation": "nonsense"}).status_code == 400
    exported = client.get(NETWORK.format(lang="en") + "export/")
    assert exported.status_code == 200 and exported.content.startswith(b"Digi-Amen")


def test_the_org_admin_decides_sharing(
    world: World, regional: Network, signed_in: Any, client: Client
) -> None:
    url = "/en/staff/jordan/sharing/"
    admin = world.add_member("jules", world.jordan, "org_admin")
    member = NetworkMember.objects.get(network=regional, organisation=world.jordan)
    browser = signed_in(admin, "ar")
    assert browser.get(url.replace("/en/", "/ar/")).status_code == 200
    assert _post(browser, url, {"member": member.pk, "share": "off"}).status_code == 302
    assert not SharedAggregate.objects.filter(organisation=world.jordan).exists()
    assert _post(browser, url, {"member": member.pk, "share": "off"}).status_code == 400
    assert _post(browser, url, {"member": member.pk, "share": "on"}).status_code == 302
    assert SharedAggregate.objects.filter(organisation=world.jordan).exists()
    other_network = NetworkMember.objects.get(network=regional, organisation=world.amane)
    assert _post(browser, url, {"member": other_network.pk, "share": "off"}).status_code == 404
    assert signed_in(world.charlie).get(url).status_code == 403  # a caseworker
    assert signed_in(world.alice).get(url).status_code == 404  # another organisation's admin
    assert client.get(url).status_code == 302


# --- Platform accountability -------------------------------------------------------------------


def escalation(case: Case, platform: str, hours: float | None, **fields: Any) -> Escalation:
    sent = datetime(2026, 3, 2, 9, tzinfo=UTC)
    removed = hours is not None
    return Escalation.objects.create(
        case=case,
        organisation=case.organisation,
        platform=platform,
        kind=Escalation.Kind.TAKEDOWN,
        content_reference=encryption.seal_for_organisation(
            case.organisation, "https://x.test/1", place=TEST_PLACE
        ),
        created_by=case.organisation.memberships.first().user,  # type: ignore[union-attr]
        sent_at=sent,
        acknowledged_at=sent + timedelta(hours=1) if removed else None,
        resolved_at=sent + timedelta(hours=hours) if hours is not None else None,
        outcome=Escalation.Outcome.REMOVED if removed else Escalation.Outcome.PENDING,
        **fields,
    )


@pytest.fixture
def escalated(world: World) -> Case:
    case = new_case()
    for hours in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100):
        escalation(case, "instagram", hours)
    for _ in range(2):
        escalation(case, "instagram", None)
    escalation(case, "telegram", 5)
    return case


def test_platform_figures(world: World, escalated: Case) -> None:
    period = statistics.period("2026-01", "2026-12")
    report = accountability.platform_report([world.amane.pk], period)
    figures = {code: totals.shown(5) for code, _label, totals, _months in report.platforms}
    assert figures["instagram"] == {
        "requests": 12,
        "answered_percent": 83,
        "removed_percent": 83,
        "median_hours": 50.0,
        "p90_hours": 90.0,
    }
    assert figures["telegram"]["requests"] == "<5"
    assert figures["telegram"]["median_hours"] is None
    assert accountability.percentile([1.0], 0.9) == 1.0
    assert accountability.platform_report([world.jordan.pk], period).platforms == []


def test_the_transparency_page_and_export(
    world: World, escalated: Case, signed_in: Any, client: Client
) -> None:
    officer = world.add_member("dora", world.amane, "data_officer")
    url = "/{lang}/staff/amane/statistics/platforms/?start=2026-01&end=2026-12"
    for language in ("ar", "fr", "en"):
        page = signed_in(officer, language).get(url.format(lang=language))
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and "&lt;5" in html
        assert re.search(r"<td>50[.,٫]0</td>", html), language  # the median, localised
    exported = signed_in(officer).get(url.format(lang="en") + "&format=csv")
    assert exported.status_code == 200 and "attachment" in exported["Content-Disposition"]
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:3] == ["Instagram", "Whole period", "12"]
    assert escalated.number not in text and "x.test" not in text
    bad = signed_in(officer).get("/en/staff/amane/statistics/platforms/?start=2026-13")
    assert bad.status_code == 400
    assert signed_in(world.bob).get(url.format(lang="en")).status_code == 403
    assert signed_in(world.charlie).get(url.format(lang="en")).status_code == 404
    assert client.get(url.format(lang="en")).status_code == 302


def test_the_network_transparency_report(
    world: World, regional: Network, escalated: Case, coordinator: Any, signed_in: Any
) -> None:
    url = NETWORK.format(lang="en") + "platforms/?start=2026-01&end=2026-12"
    html = signed_in(coordinator).get(url).content.decode()
    assert "Instagram" in html and "50.0" in html
    NetworkMember.objects.filter(organisation=world.amane).update(shares_statistics=False)
    html = signed_in(coordinator).get(url).content.decode()
    assert "Instagram" not in html
