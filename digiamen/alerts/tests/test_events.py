"""Every kind of event alerts the right people once, nobody else, never when the condition
does not hold, and never with anything of the case in the words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts import actions as account_actions
from digiamen.alerts import events, texts
from digiamen.alerts.models import Alert
from digiamen.alerts.tests.helpers import MARKERS, on_call_all_week
from digiamen.cases import actions as case_actions
from digiamen.cases.actions import settings_for
from digiamen.cases.actions.escalations import remind_unanswered_escalations
from digiamen.cases.models import Case, Task
from digiamen.cases.tasks import remind_overdue_tasks
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core import encryption
from digiamen.intake import actions as intake_actions
from digiamen.referrals.tests.test_referrals import Scene, _referred, scene

__all__ = ["scene"]


def _recipients(kind: str) -> list[str]:
    return sorted(Alert.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def _assigned_to_bob(world: World, sara: Any, commit: Any) -> Case:
    case = new_case()
    keyring = encryption.KeyRing(user=sara.user, private_key=sara.private_key)
    with commit(execute=True):
        case_actions.assign(
            case, sara.user, version=case.version, assignee=world.bob.user, keyring=keyring
        )
    case.refresh_from_db()
    return case


def test_first_contact_deadline_at_half_time_and_when_due(world: World) -> None:
    on_call_all_week(world, world.bob.user)
    case = new_case()
    span = case.first_contact_due - case.created_at
    assert events.first_contact_deadlines(case.created_at + span * 0.4) == 0
    assert events.first_contact_deadlines(case.created_at + span * 0.6) == 1
    assert events.first_contact_deadlines(case.created_at + span * 0.7) == 0  # once
    assert _recipients("deadline_half") == ["bob"]
    assert events.first_contact_deadlines(case.first_contact_due + timedelta(minutes=1)) == 1
    assert events.first_contact_deadlines(case.first_contact_due + timedelta(minutes=9)) == 0
    assert _recipients("deadline") == ["bob"]
    # A case contacted in time alerts nobody.
    other = new_case()
    other.first_contacted_at = timezone.now()
    other.save(update_fields=["first_contacted_at"])
    assert events.first_contact_deadlines(other.first_contact_due + timedelta(minutes=1)) == 0


def test_a_reporter_writing_on_an_assigned_case_alerts_its_assignee(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    unassigned = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        intake_actions.post_reporter_message(unassigned.report, "still there?")
    assert not Alert.objects.filter(kind="reporter_wrote").exists()  # the queue shows it
    case = _assigned_to_bob(world, sara, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        intake_actions.post_reporter_message(case.report, MARKERS[0])
        intake_actions.post_reporter_message(case.report, "and again")
    assert _recipients("reporter_wrote") == ["bob", "bob"]  # one a message, bob alone


def test_a_transfer_alerts_the_receiving_supervisors(
    world: World, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    world.add_member("omar", world.jordan, "supervisor")
    case = new_case(consent_referral=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(sara).post(
            f"/en/staff/amane/cases/{case.number}/transfer/", {"to_organisation": world.jordan.pk}
        )
    assert response.status_code == 302
    assert _recipients("transfer_in") == ["omar"]  # not charlie, a caseworker there


def test_a_referral_alerts_the_receiver_and_its_answer_the_referrer(
    scene: Scene, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        referral = _referred(scene, signed_in)
    # Casa has no supervisor and nobody on call: its caseworkers.
    assert _recipients("referral_in") == ["lina"]
    with django_capture_on_commit_callbacks(execute=True):
        answered = signed_in(scene.lina).post(
            f"/en/staff/casa/referrals/{referral.pk}/", {"status": "accepted", "version": 1}
        )
    assert answered.status_code == 302
    assert _recipients("referral_answer") == ["sara"]


def test_an_unanswered_escalation_alerts_who_sent_it_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = _assigned_to_bob(world, sara, django_capture_on_commit_callbacks)
    case_actions.escalate(
        case, world.bob.user, platform="instagram", kind="takedown", reference="@someone"
    )
    days = settings_for(world.amane).escalation_reminder_days
    later = timezone.now() + timedelta(days=days, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_unanswered_escalations(later) == 1
        assert remind_unanswered_escalations(later + timedelta(days=1)) == 0
    assert _recipients("platform_silent") == ["bob"]


def test_a_task_due_alerts_its_member_and_a_done_one_nobody(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    case = new_case()
    past = timezone.now() - timedelta(minutes=1)
    task = case_actions.add_task(
        case, world.bob.user, title=MARKERS[0], due_at=past, assignee=world.bob.user
    )
    done = case_actions.add_task(
        case, world.bob.user, title="done", due_at=past, assignee=world.bob.user
    )
    Task.objects.filter(pk=done.pk).update(done_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        remind_overdue_tasks.call_local()
        remind_overdue_tasks.call_local()
    assert _recipients("task_due") == ["bob"]
    assert Alert.objects.get(kind="task_due").dedup_key.startswith(f"task:{task.pk}:")


def test_a_closure_waiting_for_approval_alerts_the_supervisors(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case_settings = settings_for(world.amane)
    case_settings.closure_needs_approval = True
    case_settings.save()
    case = _assigned_to_bob(world, sara, django_capture_on_commit_callbacks)
    case_actions.triage(case, sara.user, version=case.version, risk="low", flags=[])
    case.refresh_from_db()
    case_actions.start(case, world.bob.user, version=case.version)
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        case_actions.close(case, world.bob.user, version=case.version, reason="resolved")
    assert _recipients("closure") == ["sara"]  # not alice the admin, not bob


def test_account_security_events_alert_the_member_themselves(
    world: World, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.change_password(
            world.bob.user, world.bob.private_key, "a new long password 123"
        )
    alert = Alert.objects.get(kind="security")
    assert alert.recipient == world.bob.user and alert.read_at is None
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.alice)
    signed = Alert.objects.get(kind="security", recipient=world.alice.user)
    assert signed.read_at is not None  # she is there: in the app already read; the e-mail warns


def test_no_kind_says_anything_of_the_case(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    on_call_all_week(world, world.bob.user)
    case = _assigned_to_bob(world, sara, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        intake_actions.post_reporter_message(case.report, MARKERS[1])
        account_actions.change_password(world.bob.user, world.bob.private_key, "another long 1")
    events.first_contact_deadlines(case.first_contact_due + timedelta(minutes=1))
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {"assigned", "reporter_wrote", "security", "deadline"} <= kinds
    for alert in Alert.objects.select_related("organisation"):
        for text in (texts.text_for(alert), texts.sms_for(alert)):
            words = f"{text.subject}\n{text.body}"
            for secret in (*MARKERS, case.number, "sexual", "extortion", "Morocco"):
                assert secret not in words
    # Every kind has its own words (none falls back to another kind's line).
    lines = {texts.headline(kind, False, "X") for kind in texts.LINES}
    assert len(lines) == len(texts.LINES)
