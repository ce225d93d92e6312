"""Demo referral: the Casablanca demo case (consent to referral given) referred to a takedown
service that is not on the platform, and accepted: something to see in the referrals pages.

Loaded after the intake demo (the case) and the directory demo (the service)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases.models import Case
from digiamen.directory.models import Service
from digiamen.referrals import actions


def load(organisations: list[Organisation]) -> dict[str, Any]:
    owners = {organisation.slug: organisation for organisation in organisations}
    return {"referrals": {"made": _demo_referral(owners.get("amane-demo"))}}


def _demo_referral(organisation: Organisation | None) -> int:
    case = Case.objects.filter(
        organisation=organisation, report__admin1="MA-06", report__consent_referral=True
    ).first()
    supervisor = Membership.objects.filter(organisation=organisation, role=Role.SUPERVISOR).first()
    service = Service.objects.filter(
        service_type="digital_evidence_and_takedown", organisation__owner__isnull=True
    ).first()
    if case is None or supervisor is None or service is None:
        return 0
    referral = actions.refer(
        HttpRequest(),
        case,
        supervisor.user,
        service=service,
        reason="Help to have the images taken down and to keep evidence (demo).",
    )
    actions.answer_referral(supervisor, referral, status="accepted", version=1)
    return 1
