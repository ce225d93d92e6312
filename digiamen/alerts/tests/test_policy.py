"""An organisation may choose to have the case's number in its alerts, and nothing more;
by default alerts name no case. Org admins choose, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.alerts import actions, texts
from digiamen.alerts.models import Alert, AlertPolicy
from digiamen.alerts.tests.helpers import MARKERS, known_bank, on_call_all_week, urgent_report
from digiamen.cases.models import Case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

URL = "/{lang}/staff/amane/alerts/policy/"


def _urgent(world: World, submission: str, commit: Any, picture: Any) -> tuple[Case, Alert]:
    with commit(execute=True):
        report = urgent_report(world, submission, picture)
    case = Case.objects.get(report=report)
    return case, Alert.objects.filter(dedup_key=f"report:{report.pk}").get()


def test_by_default_no_case_number_then_only_the_number_when_chosen(
    world: World, signed_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    on_call_all_week(world, world.bob.user)
    picture = known_bank(world)
    case, alert = _urgent(world, "policy-1", django_capture_on_commit_callbacks, picture)
    assert alert.case_number == ""
    assert case.number not in texts.text_for(alert).body

    admin = signed_in(world.alice, "fr")
    assert admin.post(URL.format(lang="fr"), {"case_numbers": "yes"}).status_code == 302
    assert AlertPolicy.objects.get(organisation=world.amane).case_numbers
    assert AuditEvent.objects.filter(action="alerts.policy_changed").count() == 1
    case, alert = _urgent(world, "policy-2", django_capture_on_commit_callbacks, picture)
    assert alert.case_number == case.number
    for text in (texts.text_for(alert), texts.sms_for(alert)):
        assert case.number in text.body
        for secret in (*MARKERS, "sexual", "extortion", "Morocco"):
            assert secret not in text.body
    # In the app the number links to the case.
    page = signed_in(world.bob).get("/en/staff/amane/alerts/").content.decode()
    assert f'href="/en/staff/amane/cases/{case.number}/"' in page


@pytest.mark.parametrize("choice", ["", "maybe", "YES", "yes\u202e"])
def test_a_wrong_answer_is_refused_and_changes_nothing(
    world: World, signed_in: Any, choice: str
) -> None:
    response = signed_in(world.alice, "ar").post(URL.format(lang="ar"), {"case_numbers": choice})
    assert response.status_code == 400 and 'dir="rtl"' in response.content.decode()
    assert not actions.shows_case_numbers(world.amane)
    assert not AuditEvent.objects.filter(action="alerts.policy_changed").exists()


def test_only_the_organisations_admins(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    for member, refused in ((world.bob, 403), (sara, 403), (world.charlie, 404)):
        assert signed_in(member).get(URL.format(lang="en")).status_code == refused
        response = signed_in(member).post(URL.format(lang="en"), {"case_numbers": "yes"})
        assert response.status_code == refused
    anonymous = Client().post(URL.format(lang="en"), {"case_numbers": "yes"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert signed_in(world.alice).get(URL.format(lang="en")).status_code == 200
    assert not actions.shows_case_numbers(world.amane)
