"""Upgrading fills the case's copies of its report's categories (migration cases 0011) for
the cases that existed before: each case gets its own report's harm types, area, age band
and channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from digiamen.cases.models import Case
from digiamen.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("cases", "0010_case_recent_index")
AFTER = ("cases", "0011_case_report_filter_copies")


@pytest.fixture(autouse=True)
def _schema_whole_afterwards() -> Iterator[None]:
    yield
    call_command("migrate", interactive=False, verbosity=0)


def test_upgrading_copies_each_report_categories_onto_its_case(world: World) -> None:
    call_command("migrate", *BEFORE, interactive=False, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldReport = old.get_model("intake", "Report")
    OldCase = old.get_model("cases", "Case")
    rows = [
        (["sexual_extortion", "csam"], "MA-06", "12_14", "web"),
        (["online_grooming"], "MA-01", "unknown", "sms"),
        ([], "", "15_17", "phone"),
    ]
    for n, (harm_types, admin1, age_band, channel) in enumerate(rows):
        report = OldReport.objects.create(
            organisation_id=world.amane.pk,
            channel=channel,
            harm_types=harm_types,
            country="MA",
            admin1=admin1,
            age_band=age_band,
            sealed_key=b"",
            narrative=b"",
            involved_accounts=b"",
            contact=b"",
            receipt_lookup=f"old-{n}",
            mailbox_public_key=b"",
            reporter_summary=b"",
            submission_id=f"old-{n}",
        )
        OldCase.objects.create(
            organisation_id=world.amane.pk,
            report_id=report.pk,
            number=f"MA-26-0000{n}",
            first_contact_due=report.created_at,
        )

    call_command("migrate", *AFTER, interactive=False, verbosity=0)
    found = {
        case.number: (case.harm_types, case.admin1, case.age_band, case.channel)
        for case in Case.objects.only("number", "harm_types", "admin1", "age_band", "channel")
    }
    assert found == {f"MA-26-0000{n}": row for n, row in enumerate(rows)}
