from __future__ import annotations

from typing import Any

from digiamen.cases.models import Case
from digiamen.intake import actions as intake_actions

NARRATIVE = "He threatens to post my photos on the class group."


def new_case(organisation_country: str = "MA", **answers: Any) -> Case:
    data = {
        "harm_types": ["sexual_extortion"],
        "country": organisation_country,
        "narrative": NARRATIVE,
        "involved_accounts": "@threat_account",
        "contact_method": "email",
        "contact_value": "child@example.org",
        "consent_statistics": True,
        **answers,
    }
    report = intake_actions.submit_report(
        data, channel="web", submission_id=f"case-test-{Case.objects.count()}"
    ).report
    return Case.objects.get(report=report)


def step(client: Any, case: Case, name: str, **data: Any) -> Any:
    case.refresh_from_db()
    payload = {"version": case.version, **data}
    return client.post(
        f"/en/staff/{case.organisation.slug}/cases/{case.number}/step/{name}/", payload
    )
