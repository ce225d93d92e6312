from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from digiamen.cases.actions import purge_expired_cases, settings_for
from digiamen.cases.models import Case, Note
from digiamen.cases.tasks import purge_cases_past_retention
from digiamen.cases.tests.helpers import NARRATIVE, new_case, step
from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.core.tests.test_encryption import _raw_database_bytes
from digiamen.intake.models import Message


@pytest.mark.django_db(transaction=True)
def test_closed_cases_are_purged_after_the_retention_period(signed_in: Any, world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    case = new_case(narrative="RETAINED-" + NARRATIVE)
    keep = new_case()
    base = f"/en/staff/amane/cases/{case.number}/"
    client.post(base + "notes/", {"text": "NOTE-MARKER about the child"})
    client.post(base + "reply/", {"text": "REPLY-MARKER to the child"})
    step(client, case, "triage", risk="low")
    step(client, case, "assign", assignee=sara.user.pk)
    step(client, case, "start")
    step(client, case, "close", reason="resolved")
    period = settings_for(world.amane).retention_days
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=period + 1))

    assert purge_cases_past_retention.call_local() == 1
    assert purge_expired_cases() == 0  # already purged

    case.refresh_from_db()
    keep.refresh_from_db()
    assert case.purged_at is not None and keep.purged_at is None
    report = case.report
    assert report.harm_types == ["sexual_extortion"] and report.country == "MA"  # statistics kept
    assert bytes(report.narrative) == b"" and not Note.objects.filter(case=case).exists()
    assert not Message.objects.filter(report=report).exists()
    assert AuditEvent.objects.filter(action="case.purged", object_id=str(case.pk)).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
    database = _raw_database_bytes()
    # What was encrypted is gone entirely (not only its key).
    assert b"RETAINED-" not in database and b"NOTE-MARKER" not in database
    page = client.get(base)
    assert page.status_code == 200 and "RETAINED-" not in page.content.decode()
    assert step(client, case, "reopen").status_code == 400
    assert client.post(base + "notes/", {"text": "late"}).status_code == 404
    del keep


def test_purged_report_cannot_be_followed_up(world: World) -> None:
    from digiamen.cases.actions import purge_case
    from digiamen.intake.receipts import format_receipt

    submission = __import__("digiamen.intake.actions", fromlist=["submit_report"]).submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA"}, channel="web", submission_id="p1"
    )
    purge_case(submission.report.case)
    response = Client().post("/en/followup/", {"receipt": format_receipt(submission.receipt)})
    assert response.status_code == 400
