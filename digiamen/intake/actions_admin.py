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


def _names(data: dict[str, Any]) -> dict[str, str]:
    return {"ar": data["name_ar"], "fr": data["name_fr"], "en": data["name_en"]}


def add_helpline(organisation: Organisation, actor: User, data: dict[str, Any]) -> Helpline:
    """A helpline of the organisation's country, kept by the organisation."""
    with transaction.atomic():
        helpline = Helpline.objects.create(
            owner=organisation,
            country=organisation.country,
            name=_names(data),
            phone=data["phone"],
            free_of_charge=data["free_of_charge"],
            hours=data["hours"],
        )
        audit.record("helpline.added", actor=actor, organisation=organisation, obj=helpline)
    return helpline


class NotOwner(Exception):
    """The helpline is kept by another organisation (views answer 404 before this)."""


def _require_owner(helpline: Helpline, organisation: Organisation) -> None:
    if helpline.owner_id != organisation.pk:
        raise NotOwner


def change_helpline(
    helpline: Helpline, organisation: Organisation, actor: User, data: dict[str, Any]
) -> Helpline:
    with transaction.atomic():
        _require_owner(helpline, organisation)
        helpline.name = _names(data)
        helpline.phone = data["phone"]
        helpline.free_of_charge = data["free_of_charge"]
        helpline.hours = data["hours"]
        helpline.save(update_fields=["name", "phone", "free_of_charge", "hours"])
        audit.record("helpline.changed", actor=actor, organisation=organisation, obj=helpline)
    return helpline


def delete_helpline(helpline: Helpline, organisation: Organisation, actor: User) -> None:
    with transaction.atomic():
        _require_owner(helpline, organisation)
        audit.record("helpline.removed", actor=actor, organisation=organisation, obj=helpline)
        helpline.delete()
