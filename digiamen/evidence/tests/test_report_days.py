"""The reports' day counts kept by the database (``evidence.report_days``) equal the raw
count of consenting reports after every kind of write: reports received, bulk inserts,
queryset updates of each counted column, a whole-row save, a consent withdrawn, a move to
another organisation, single and bulk deletes; and ``migrate`` repairs counts and triggers
that were lost."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from digiamen.cases.models import Case
from digiamen.conftest import World
from digiamen.evidence import report_days
from digiamen.evidence.models import ReportDay
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report

Key = tuple[int, str, str, bool]


def _raw() -> Counter[Key]:
    """The counts as the reports themselves give them (UTC days)."""
    return Counter(
        (
            r.organisation_id,
            r.created_at.astimezone(UTC).date().isoformat(),
            r.admin1,
            r.campaign != "",
        )
        for r in Report.objects.filter(consent_statistics=True)
    )


def _kept() -> Counter[Key]:
    kept: Counter[Key] = Counter()
    for row in ReportDay.objects.all():
        assert row.reports >= 0, row
        if row.reports:
            kept[(row.organisation_id, row.day.isoformat(), row.admin1, row.through_campaign)] = (
                row.reports
            )
    return kept


def _report(admin1: str, *, consent: bool = True, when: datetime | None = None) -> Report:
    report = intake_actions.submit_report(
        {
            "harm_types": ["sextortion"],
            "country": "MA",
            "admin1": admin1,
            "consent_statistics": consent,
        },
        channel="web",
        submission_id=f"days-{uuid.uuid4().hex}",
    ).report
    if when is not None:
        Report.objects.filter(pk=report.pk).update(created_at=when)
        report.refresh_from_db()
    return report


def _copies(report: Report, count: int) -> list[Report]:
    copies = []
    for number in range(count):
        copy = Report.objects.get(pk=report.pk)
        copy.pk = None
        copy.public_id = uuid.uuid4()
        copy.submission_id = f"copy-{uuid.uuid4().hex}"
        copy.receipt_lookup = f"copy-{uuid.uuid4().hex}"
        copy.admin1 = ("MA-01", "MA-02", "")[number % 3]
        copy.consent_statistics = number % 4 != 0
        copies.append(copy)
    return copies


def test_the_counts_follow_every_kind_of_write(world: World) -> None:
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # the last half hour of a UTC day
    first = _report("MA-01", when=late)
    _report("MA-01", when=late)
    _report("MA-02", when=late + timedelta(hours=1))  # the next day
    _report("MA-02", consent=False)
    assert _kept() == _raw()
    assert _kept()[(world.amane.pk, "2026-03-31", "MA-01", False)] == 2

    Report.objects.bulk_create(_copies(first, 9))  # one statement, several days' counts
    assert _kept() == _raw()

    through = Report.objects.filter(admin1="MA-01")
    through.update(campaign="POSTER-2026")
    assert _kept() == _raw()
    Report.objects.filter(admin1="MA-02").update(created_at=late - timedelta(days=40))
    assert _kept() == _raw()
    Report.objects.filter(admin1="").update(admin1="MA-03")
    assert _kept() == _raw()

    # A consent withdrawn is a queryset update (cases.actions.consent); given back, counted.
    Report.objects.filter(pk=first.pk).update(consent_statistics=False)
    assert _kept() == _raw()
    Report.objects.filter(pk=first.pk).update(consent_statistics=True)
    assert _kept() == _raw()

    # A whole-row save that changes no counted column changes no count; one that does, does.
    first.refresh_from_db()
    before = _kept()
    first.status = "closed"
    first.save()
    assert _kept() == before == _raw()
    first.admin1 = "MA-04"
    first.save()
    assert _kept() == _raw() != before

    Report.objects.filter(admin1="MA-03").update(organisation=world.jordan)
    assert _kept() == _raw()
    assert any(key[0] == world.jordan.pk for key in _kept())

    # Deleted as the retention purge deletes them: their cases first.
    Case.objects.all().delete()
    Report.objects.filter(pk=first.pk).delete()
    assert _kept() == _raw()
    Report.objects.filter(organisation=world.jordan).delete()
    assert _kept() == _raw()
    Report.objects.all().delete()
    assert _kept() == _raw() == Counter()


@pytest.mark.django_db
def test_migrate_reinstalls_lost_triggers_and_recounts(world: World) -> None:
    _report("MA-01")
    # What SQLite's rebuild of a table does to its triggers; the counts drift meanwhile.
    report_days.uninstall(connection)
    _report("MA-01")
    ReportDay.objects.update(reports=7)
    assert _kept() != _raw()

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert _kept() == _raw()
    _report("MA-02")  # counted again by the triggers
    assert _kept() == _raw()
    assert sum(_kept().values()) == 3
