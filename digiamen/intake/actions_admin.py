from __future__ import annotations

from typing import Any

from django.db import transaction

from digiamen.accounts.models import Organisation, User
from digiamen.core import audit
from digiamen.intake.models import Helpline, RoutingRule


def add_routing_rule(
    organisation: Organisation, actor: User, country: str, admin1: str
) -> RoutingRule:
    with transaction.atomic():
        rule = RoutingRule.objects.create(organisation=organisation, country=country, admin1=admin1)
        audit.record(
            "routing_rule.added",
            actor=actor,
            organisation=organisation,
            obj=rule,
            details={"country": country, "admin1": admin1},
        )
    return rule


def delete_routing_rule(rule: RoutingRule, actor: User) -> None:
    with transaction.atomic():
        audit.record(
            "routing_rule.removed",
            actor=actor,
            organisation=rule.organisation,
            obj=rule,
            details={"country": rule.country, "admin1": rule.admin1},
        )
        rule.delete()


def add_helpline(organisation: Organisation, actor: User, data: dict[str, Any]) -> Helpline:
    with transaction.atomic():
        helpline = Helpline.objects.create(
            country=organisation.country,
            name={"ar": data["name_ar"], "fr": data["name_fr"], "en": data["name_en"]},
            phone=data["phone"],
            free_of_charge=data["free_of_charge"],
            hours=data["hours"],
        )
        audit.record("helpline.added", actor=actor, organisation=organisation, obj=helpline)
    return helpline


def delete_helpline(helpline: Helpline, organisation: Organisation, actor: User) -> None:
    with transaction.atomic():
        audit.record("helpline.removed", actor=actor, organisation=organisation, obj=helpline)
        helpline.delete()
