from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.cases.models import Case, CaseEvent
from digiamen.cases.tests.helpers import new_case, step
from digiamen.conftest import World
from digiamen.core.models import AuditEvent


def test_every_report_becomes_a_numbered_case(world: World) -> None:
    first, second = new_case(), new_case()
    assert re.fullmatch(r"MA-\d\d-00001", first.number)
    assert second.number.endswith("-00002")
    assert first.status == Case.Status.NEW and first.organisation == world.amane
    assert first.first_contact_due - first.created_at == timedelta(hours=24)
    assert CaseEvent.objects.filter(case=first, kind="created").exists()


def test_whole_life_of_a_case(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    supervisor, bob = signed_in(sara), signed_in(world.bob)
    case = new_case()
    assert step(bob, case, "start").status_code == 400  # not triaged yet
    assert (
        step(bob, case, "triage", risk="high", flags=["active_threat_to_share"]).status_code == 302
    )
    case.refresh_from_db()
    assert case.status == "triaged" and case.risk_level == "high"
    assert case.first_contact_due - case.created_at == timedelta(hours=4)
    assert step(bob, case, "start").status_code == 400  # nobody assigned
    assert (
        step(bob, case, "assign", assignee=world.bob.user.pk).status_code == 400
    )  # not a supervisor
    assert step(supervisor, case, "assign", assignee=world.bob.user.pk).status_code == 302
    assert step(bob, case, "start").status_code == 302
    assert step(bob, case, "first_contact").status_code == 302
    assert step(bob, case, "close", reason="resolved").status_code == 302
    case.refresh_from_db()
    assert case.status == "open" and case.closure_requested_by == world.bob.user  # asked only
    assert step(bob, case, "approve").status_code == 400
    assert step(supervisor, case, "approve").status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert step(bob, case, "reopen").status_code == 400
    assert step(supervisor, case, "reopen").status_code == 302
    case.refresh_from_db()
    assert case.status == "open"
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [
        "created",
        "triaged",
        "assigned",
        "opened",
        "first_contact",
        "closure_requested",
        "closed",
        "reopened",
    ]
    assert AuditEvent.objects.filter(action="case.closed", object_id=str(case.pk)).exists()


def test_stale_form_is_refused_and_changes_nothing(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    case = new_case()
    old_version = case.version
    step(bob, case, "triage", risk="low")
    response = bob.post(
        f"/en/staff/amane/cases/{case.number}/step/triage/",
        {"version": old_version, "risk": "high"},
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()
    case.refresh_from_db()
    assert case.risk_level == "low"


def test_bad_step_input(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    case = new_case()
    for data in [{"risk": "extreme"}, {"risk": "high", "flags": ["aliens"]}, {"version": "x"}]:
        response = bob.post(
            f"/en/staff/amane/cases/{case.number}/step/triage/", {"version": case.version, **data}
        )
        assert response.status_code == 400, data
    assert (
        bob.post(f"/en/staff/amane/cases/{case.number}/step/explode/", {"version": 1}).status_code
        == 404
    )
    assert bob.get(f"/en/staff/amane/cases/{case.number}/step/triage/").status_code == 405
    case.refresh_from_db()
    assert case.status == "new" and case.risk_level == ""


def test_closure_without_approval_when_the_organisation_allows_it(
    signed_in: Any, world: World
) -> None:
    from digiamen.cases.actions import settings_for

    settings = settings_for(world.amane)
    settings.closure_needs_approval = False
    settings.self_assignment = True
    settings.save()
    bob = signed_in(world.bob)
    case = new_case()
    step(bob, case, "triage", risk="medium")
    assert step(bob, case, "take").status_code == 302
    step(bob, case, "start")
    assert step(bob, case, "close", reason="not_a_reason").status_code == 400
    assert step(bob, case, "close", reason="referred").status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.closure_reason == "referred"


def test_self_assignment_refused_unless_allowed(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    case = new_case()
    response = step(bob, case, "take")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assigned_to is None


def test_overdue_first_contact_stands_out(signed_in: Any, world: World) -> None:
    bob = signed_in(world.bob)
    case = new_case()
    Case.objects.filter(pk=case.pk).update(first_contact_due=timezone.now() - timedelta(hours=1))
    page = bob.get("/en/staff/amane/cases/?queue=overdue").content.decode()
    assert case.number in page and 'class="overdue"' in page
    assert case.number not in bob.get("/en/staff/amane/cases/?queue=high").content.decode()


def test_guided_risk_assessment_suggests_a_level(signed_in: Any, world: World) -> None:
    from digiamen.cases.actions import suggested_risk

    assert suggested_risk(["self_harm_risk"], ["cyberbullying"]) == "high"
    assert suggested_risk([], ["online_grooming"]) == "medium"
    assert suggested_risk([], ["cyberbullying"]) == "low"
    bob = signed_in(world.bob)
    case = new_case(harm_types=["cyberbullying"])
    assert step(bob, case, "triage", flags=["perpetrator_in_household"]).status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high" and case.urgent_flags == ["perpetrator_in_household"]
    event = CaseEvent.objects.filter(case=case, kind="triaged").get()
    assert event.details["suggested"] is True
    other = new_case(harm_types=["cyberbullying"])
    assert step(bob, other, "triage", risk="medium").status_code == 302  # the caseworker decides
    other.refresh_from_db()
    assert other.risk_level == "medium"


def test_org_admin_sets_deadlines_and_rules(signed_in: Any, world: World) -> None:
    from digiamen.cases.actions import settings_for

    alice = signed_in(world.alice)
    data = {
        "high_risk_hours": 2,
        "medium_risk_hours": 12,
        "low_risk_hours": 48,
        "untriaged_hours": 12,
        "closure_needs_approval": "",
        "self_assignment": "on",
        "retention_days": 365,
        "escalation_reminder_days": 5,
    }
    assert (
        alice.post("/en/staff/amane/case-settings/", {**data, "retention_days": 1}).status_code
        == 400
    )
    assert (
        alice.post("/en/staff/amane/case-settings/", {**data, "high_risk_hours": -3}).status_code
        == 400
    )
    assert settings_for(world.amane).high_risk_hours == 4
    assert alice.post("/en/staff/amane/case-settings/", data).status_code == 302
    saved = settings_for(world.amane)
    assert saved.high_risk_hours == 2 and saved.self_assignment
    assert not saved.closure_needs_approval and saved.retention_days == 365
    case = new_case()
    step(signed_in(world.bob), case, "triage", risk="high")
    case.refresh_from_db()
    assert case.first_contact_due - case.created_at == timedelta(hours=2)
    assert signed_in(world.bob).get("/en/staff/amane/case-settings/").status_code == 403
    assert AuditEvent.objects.filter(action="case_settings.changed").exists()
