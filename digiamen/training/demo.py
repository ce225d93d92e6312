"""Demo training: in the first demo organisation, some members passed the module on
recognising abuse (one failed the quiz first). Loaded before the safeguarding demo, whose
self-assessment reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.training.models import Completion
from digiamen.training.modules import shipped

PASSED_BY = (Role.SUPERVISOR, Role.CASEWORKER, Role.ORG_ADMIN)


def load(organisations: list[Organisation]) -> dict[str, Any]:
    organisation = organisations[0]
    module = shipped("recognising", "en")
    now = timezone.now()
    made = 0
    for index, membership in enumerate(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=PASSED_BY)
        .order_by("role")
    ):
        when = now - timedelta(days=20 + index * 7)
        if membership.role == Role.CASEWORKER:
            Completion.objects.create(
                organisation=organisation,
                user=membership.user,
                module=module.code,
                version=module.version,
                score=60,
                passed=False,
                completed_at=when - timedelta(days=1),
            )
        Completion.objects.create(
            organisation=organisation,
            user=membership.user,
            module=module.code,
            version=module.version,
            score=100 if membership.role == Role.SUPERVISOR else 80,
            passed=True,
            completed_at=when,
        )
        made += 1
    return {"training": {"members_trained": made}}
