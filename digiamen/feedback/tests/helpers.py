"""A reporter whose help is over: a report sent on the web, its case closed or referred."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from digiamen.cases import actions as case_actions
from digiamen.cases.models import Case
from digiamen.directory.models import Service
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import hidden, receipt_of, supervisor_of, walk
from digiamen.referrals.models import Referral

ANSWERS = {"listened": "yes", "helped": "partly", "recommend": "yes"}


def reported(client: Client | None = None) -> tuple[str, Case]:
    """A report sent through the web form: its receipt and its case."""
    receipt = receipt_of(walk(client or Client(), "/en/report/").content.decode())
    report = Report.objects.order_by("-id").first()
    assert report is not None
    return receipt, Case.objects.get(report=report)


def close(world: Any, case: Case) -> Case:
    """A supervisor triages, takes, works and closes the case."""
    sara = supervisor_of(world, case.organisation).user
    case = case_actions.triage(case, sara, version=case.version, risk="low", flags=[])
    case = case_actions.assign(case, sara, version=case.version, assignee=sara)
    case = case_actions.start(case, sara, version=case.version)
    return case_actions.close(case, sara, version=case.version, reason="resolved")


def completed_referral(world: Any, case: Case, service: Service | None = None) -> Referral:
    """A referral the service answered as completed (its answer is not what is tested here)."""
    service = service or make_service(
        make_directory_organisation(name="Centre"), service_type="psychosocial_support"
    )
    now = timezone.now()
    return Referral.objects.create(
        case=case,
        from_organisation=case.organisation,
        service=service,
        service_type=service.service_type,
        country=case.organisation.country,
        status=Referral.Status.COMPLETED,
        created_by=supervisor_of(world, case.organisation).user,
        accepted_at=now,
        completed_at=now,
    )


def visit(client: Client, receipt: str, language: str = "en") -> tuple[str, str]:
    """The follow-up page opened with the receipt: its HTML and the visit's token."""
    response = client.post(f"/{language}/followup/", {"receipt": receipt})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return html, hidden(html, "token")
