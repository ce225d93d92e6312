"""Which organisation receives a report, from the child's country and area."""

from __future__ import annotations

from django.conf import settings

from digiamen.accounts.models import Organisation
from digiamen.intake.models import RoutingRule


class NoOrganisation(Exception):
    """No organisation on this instance can receive reports."""


def route(country: str, admin1: str) -> Organisation:
    """The most specific rule wins: the area's rule, then the country's default rule, then an
    organisation that covers the area, then one in the country, then the instance's
    fallback organisation (``INTAKE_FALLBACK_ORGANISATION``), then the oldest organisation.
    """
    rules = {
        (rule.country, rule.admin1): rule.organisation
        for rule in RoutingRule.objects.select_related("organisation").filter(country=country)
    }
    if admin1 and (country, admin1) in rules:
        return rules[(country, admin1)]
    if (country, "") in rules:
        return rules[(country, "")]
    in_country = list(Organisation.objects.filter(country=country).order_by("created_at", "id"))
    for organisation in in_country:
        if admin1 and admin1 in (organisation.admin1_areas or []):
            return organisation
    if in_country:
        return in_country[0]
    fallback = Organisation.objects.filter(slug=settings.INTAKE_FALLBACK_ORGANISATION).first()
    if fallback is None:
        fallback = Organisation.objects.order_by("created_at", "id").first()
    if fallback is None:
        raise NoOrganisation
    return fallback
