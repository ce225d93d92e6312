"""A case's copies of its report's categories (harm types, area, age band, channel: what the
queue filters on, cases.models.REPORT_COPIES) equal the report's after every writer of cases
and reports: intake on each channel, a transfer accepted, the demo history, the workflow
steps and the purge (which keeps the categories)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from digiamen.cases import actions
from digiamen.cases.models import REPORT_COPIES, Case
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.evidence import demo as evidence_demo
from digiamen.intake import actions as intake_actions


def assert_copies_match() -> int:
    """Every case's copies equal its report's fields; how many cases were compared."""
    rows = list(
        Case.objects.values_list(
            "number", *REPORT_COPIES, *(f"report__{field}" for field in REPORT_COPIES)
        )
    )
    width = len(REPORT_COPIES)
    for number, *values in rows:
        assert values[:width] == values[width:], number
    return len(rows)


def test_intake_on_every_channel_copies_the_report_categories(world: World) -> None:
    for n, channel in enumerate(["web", "api", "sms", "whatsapp", "offline_form", "phone"]):
        answers = {
            "country": "MA",
            "admin1": f"MA-0{n + 1}",
            "age_band": "12_14" if n % 2 else "unknown",
            "harm_types": ["cyberbullying", "online_grooming"][: 1 + n % 2],
            "narrative": "Words.",
        }
        received_by = world.bob.user if channel == "phone" else None
        intake_actions.submit_report(
            answers, channel=channel, submission_id=f"copies-{n}", received_by=received_by
        )
    case = Case.objects.get(report__submission_id="copies-1")
    assert case.harm_types == ["cyberbullying", "online_grooming"]
    assert (case.admin1, case.age_band, case.channel) == ("MA-02", "12_14", "api")
    assert Case.objects.get(report__submission_id="copies-5").channel == "phone"
    assert assert_copies_match() == 6


def test_a_report_without_categories_gives_empty_copies(world: World) -> None:
    case = new_case(harm_types=[])
    assert (case.harm_types, case.admin1, case.age_band) == ([], "", "unknown")
    assert assert_copies_match() == 1


def test_an_accepted_transfer_copies_the_categories_of_the_new_report(
    signed_in: Any, world: World
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    omar = world.add_member("omar", world.jordan, "supervisor")
    case = new_case(
        harm_types=["sexual_extortion", "csam"],
        admin1="MA-06",
        age_band="15_17",
        consent_referral=True,
    )
    signed_in(sara).post(
        f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
    )
    transfer = case.transfers_out.get()
    response = signed_in(omar).post(
        f"/en/staff/jordan/transfers/{transfer.pk}/", {"decision": "accept"}
    )
    assert response.status_code == 302
    received = Case.objects.get(organisation=world.jordan)
    assert received.harm_types == ["sexual_extortion", "csam"]
    assert (received.admin1, received.age_band, received.channel) == (
        "MA-06",
        "15_17",
        "transfer",
    )
    assert assert_copies_match() == 2


def test_the_demo_history_copies_the_categories(world: World) -> None:
    created = evidence_demo.load_history(world.amane, per_month=2, seed=3)
    assert created > 0
    assert assert_copies_match() == created
    assert Case.objects.exclude(harm_types=[]).count() == created


def test_workflow_steps_and_the_purge_keep_the_copies(world: World) -> None:
    supervisor = world.add_member("sara", world.amane, "supervisor")
    case = new_case(harm_types=["online_grooming"], admin1="MA-06", age_band="6_11")
    case = actions.triage(case, supervisor.user, version=case.version, risk="high", flags=[])
    case = actions.assign(case, supervisor.user, version=case.version, assignee=world.bob.user)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    actions.purge_case(case)
    case.refresh_from_db()
    assert case.purged_at is not None
    assert (case.harm_types, case.admin1, case.age_band, case.channel) == (
        ["online_grooming"],
        "MA-06",
        "6_11",
        "web",
    )
    assert assert_copies_match() == 1
