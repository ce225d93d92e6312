"""An urgent case nobody opens: the supervisors after the delay, the admins after twice
the delay, each step once, on the timeline and in the audit log; opening it stops it.
A case assigned to someone else alerts them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from digiamen.alerts import actions
from digiamen.alerts.models import Alert
from digiamen.alerts.tests.helpers import known_bank, plain_report, urgent_report
from digiamen.cases import actions as case_actions
from digiamen.cases.models import Case, CaseEvent
from digiamen.conftest import World
from digiamen.core import encryption
from digiamen.core.models import AuditEvent


def test_an_unopened_urgent_case_escalates_to_supervisors_then_admins(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALERT_ESCALATE_MINUTES = 15
    sara = world.add_member("sara", world.amane, "supervisor")
    picture = known_bank(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = urgent_report(world, "escalate", picture)
    case = Case.objects.get(report=report)
    created = case.created_at
    first = set(Alert.objects.values_list("recipient__username", flat=True))
    assert first == {"bob", "sara"}  # nobody on call: the team

    assert actions.escalate_unopened(created + timedelta(minutes=14)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.escalate_unopened(created + timedelta(minutes=16)) == 1
    escalated = Alert.objects.get(kind="escalation")
    assert escalated.recipient == sara.user and escalated.urgent
    # Once only.
    assert actions.escalate_unopened(created + timedelta(minutes=20)) == 0
    assert actions.escalate_unopened(created + timedelta(minutes=31)) == 1
    admins = Alert.objects.filter(kind="escalation").exclude(recipient=sara.user)
    assert [a.recipient for a in admins] == [world.alice.user]
    events = CaseEvent.objects.filter(case=case, kind="alert_escalated")
    assert [e.details["step"] for e in events] == ["supervisors", "admins"]
    assert AuditEvent.objects.filter(action="case.alert_escalated").count() == 2


def test_opening_the_case_stops_the_escalation(world: World, settings: Any, signed_in: Any) -> None:
    settings.ALERT_ESCALATE_MINUTES = 15
    sara = world.add_member("sara", world.amane, "supervisor")
    picture = known_bank(world)
    report = urgent_report(world, "opened", picture)
    case = Case.objects.get(report=report)
    assert case.opened_at is None
    # The supervisor opens the case page: that is what stops it.
    page = signed_in(sara).get(f"/en/staff/amane/cases/{case.number}/")
    assert page.status_code == 200
    case.refresh_from_db()
    assert case.opened_at is not None
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=40)) == 0
    assert not Alert.objects.filter(kind="escalation").exists()
    # A key rotation makes the case indexed again at its next opening; it was still opened.
    Case.objects.filter(pk=case.pk).update(indexed_at=None)
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=40)) == 0


def test_a_member_who_cannot_read_the_case_does_not_stop_the_escalation(
    world: World, settings: Any, signed_in: Any
) -> None:
    settings.ALERT_ESCALATE_MINUTES = 15
    sara = world.add_member("sara", world.amane, "supervisor")
    report = urgent_report(world, "other", known_bank(world))
    case = Case.objects.get(report=report)
    # Another organisation's caseworker is refused the page; the case stays unopened.
    assert signed_in(world.charlie).get(f"/en/staff/amane/cases/{case.number}/").status_code == 404
    case.refresh_from_db()
    assert case.opened_at is None
    assert actions.escalate_unopened(case.created_at + timedelta(minutes=16)) == 1
    assert Alert.objects.get(kind="escalation").recipient == sara.user


def test_a_case_that_is_not_urgent_never_escalates(world: World) -> None:
    world.add_member("sara", world.amane, "supervisor")
    report = plain_report("calm")
    case = Case.objects.get(report=report)
    assert actions.escalate_unopened(case.created_at + timedelta(hours=1)) == 0


def test_a_case_assigned_to_you_alerts_you(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    report = plain_report("assign")
    case = Case.objects.get(report=report)
    keyring = encryption.KeyRing(user=sara.user, private_key=sara.private_key)
    with django_capture_on_commit_callbacks(execute=True):
        case_actions.assign(
            case, sara.user, version=case.version, assignee=world.bob.user, keyring=keyring
        )
    alert = Alert.objects.get(kind="assigned")
    assert alert.recipient == world.bob.user
    # Taking a case oneself alerts nobody.
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        case_actions.assign(
            case, sara.user, version=case.version, assignee=sara.user, keyring=keyring
        )
    assert Alert.objects.filter(kind="assigned").count() == 1
