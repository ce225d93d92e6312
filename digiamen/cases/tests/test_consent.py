from __future__ import annotations

from typing import Any

from digiamen.cases.actions import consent_allows, current_consent
from digiamen.cases.models import ConsentRecord
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def test_report_consent_becomes_the_first_records(world: World) -> None:
    case = new_case(consent_contact=True, consent_referral=False, consent_statistics=True)
    records = current_consent(case)
    assert set(records) == {"contact", "referral", "statistics"}
    assert records["contact"].granted and not records["referral"].granted
    assert records["contact"].method == "online_form" and records["contact"].given_by == "reporter"
    assert consent_allows(case, "statistics") and not consent_allows(case, "authorities")


def test_recording_and_withdrawing_consent(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    case = new_case(consent_statistics=True)
    url = f"/en/staff/amane/cases/{case.number}/consent/"
    response = client.post(
        url, {"purpose": "statistics", "granted": "no", "given_by": "caregiver", "method": "phone"}
    )
    assert response.status_code == 302
    assert not consent_allows(case, "statistics")
    case.report.refresh_from_db()
    assert case.report.consent_statistics is False  # statistics obey the newest decision
    for bad in [
        {"purpose": "everything"},
        {"given_by": "supervisor"},
        {"method": "override"},
        {"granted": "maybe"},
    ]:
        data = {
            "purpose": "referral",
            "granted": "yes",
            "given_by": "child",
            "method": "in_person",
            **bad,
        }
        assert client.post(url, data).status_code == 400, bad
    assert not consent_allows(case, "referral")
    assert ConsentRecord.objects.filter(case=case).count() == 4


def test_best_interests_override_needs_a_supervisor_and_a_reason(
    signed_in: Any, world: World
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case(consent_referral=False)
    url = f"/en/staff/amane/cases/{case.number}/consent/override/"
    supervisor = signed_in(sara)
    assert supervisor.post(url, {"purpose": "referral", "reason": ""}).status_code == 400
    reason = "Father threatens her; shelter needed"
    assert supervisor.post(url, {"purpose": "referral", "reason": reason}).status_code == 302
    record = current_consent(case)["referral"]
    assert record.granted and record.method == "override" and record.recorded_by == sara.user
    assert b"shelter" not in bytes(record.override_reason)  # sealed
    assert AuditEvent.objects.filter(action="case.consent_overridden").exists()
    # A caseworker (even assigned) cannot override.
    from digiamen.cases.tests.helpers import step

    step(supervisor, case, "assign", assignee=world.bob.user.pk)
    response = signed_in(world.bob).post(url, {"purpose": "authorities", "reason": "x"})
    assert response.status_code == 400 and not consent_allows(case, "authorities")
    assert (
        signed_in(world.charlie).post(url, {"purpose": "authorities", "reason": "x"}).status_code
        == 404
    )
