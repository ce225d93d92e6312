"""Service outcomes: a protected table of referrals per service type and area."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from digiamen.cases.models import Case
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.evidence import services, statistics
from digiamen.referrals.models import Referral

URL = "/{lang}/staff/amane/statistics/services/"


def refer(case: Case, service: Any, *, accepted: bool, completed: bool, declined: bool) -> None:
    when = datetime(2026, 4, 1, tzinfo=UTC)
    Referral.objects.create(
        case=case,
        from_organisation=case.organisation,
        service=service,
        service_type=service.service_type,
        country="MA",
        admin1="MA-06",
        created_by=case.organisation.memberships.first().user,  # type: ignore[union-attr]
        sent_at=when,
        accepted_at=when if accepted else None,
        completed_at=when if completed else None,
        declined_at=when if declined else None,
    )


@pytest.fixture
def referred(world: World) -> Case:
    case = new_case()
    entry = make_directory_organisation("Casa", "MA")
    legal = make_service(entry, areas=["MA-06"])
    for _ in range(9):
        refer(case, legal, accepted=True, completed=True, declined=False)
    for _ in range(6):
        refer(case, legal, accepted=False, completed=False, declined=True)
    refer(case, legal, accepted=True, completed=False, declined=False)  # alone: small
    return case


def test_the_outcome_table_is_a_protected_partition(world: World, referred: Case) -> None:
    table = services.outcome_table(world.amane, "service_type", statistics.period("2026-01", ""))
    (_label, cells, accepted, made), totals = table.as_rows()
    assert made == 16 and cells[3] == 9  # made and completed are shown
    assert cells[2] == "<5" and accepted == "<5"  # one in progress: hidden, and "accepted"
    # The row total is shown, so a second cell of the row is hidden: the cheapest, the zero.
    assert cells[0] == "<5" and cells[1] == 6
    assert totals[3] == 16
    with pytest.raises(statistics.StatisticsError):
        services.outcome_table(world.amane, "narrative", statistics.period("2026-01", ""))


def test_the_services_page(world: World, referred: Case, signed_in: Any, client: Client) -> None:
    officer = world.add_member("dora", world.amane, "data_officer")
    for language in ("ar", "fr", "en"):
        for rows in ("service_type", "admin1", "both"):
            page = signed_in(officer, language).get(
                URL.format(lang=language) + f"?rows={rows}&start=2026-01"
            )
            assert page.status_code == 200
            cells = re.findall(r"<td>([^<]*)</td>", page.content.decode())
            assert "16" in cells
            assert not [c for c in cells if c.isdigit() and 0 < int(c) < 5]
    assert signed_in(officer).get(URL.format(lang="en") + "?rows=name").status_code == 400
    assert signed_in(world.bob).get(URL.format(lang="en")).status_code == 403
    assert signed_in(world.charlie).get(URL.format(lang="en")).status_code == 404
    assert client.get(URL.format(lang="en")).status_code == 302
