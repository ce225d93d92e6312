"""Which organisation receives a report, from the child's country and area."""

from __future__ import annotations

from django.conf import settings

from digiamen.accounts.models import Organisation
from digiamen.core.process_cache import ProcessCache
from digiamen.intake.models import RoutingRule

# Where reports of an area go, as each process last read it. Routing edits (rules,
# organisations) clear it in the process that makes them (intake.apps); the others follow
# within this many seconds (docs/architecture.md, "Intake under a surge").
ROUTING_CACHE_SECONDS = 10.0
_routes = ProcessCache[int](ttl=ROUTING_CACHE_SECONDS)


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


def route_id(country: str, admin1: str) -> int:
    """The id of ``route``'s organisation, read from the database at most every
    ``ROUTING_CACHE_SECONDS`` per area and process: a report under a surge costs no query
    here (the organisation row itself is read fresh with its keys)."""
    return _routes.get_or_load((country, admin1), lambda: route(country, admin1).pk)


def forget_routes() -> None:
    _routes.clear()


def clear_on_write(*args: object, **kwargs: object) -> None:
    _routes.clear_on_write(*args, **kwargs)


def forget_routes_on_setting(*_args: object, setting: str = "", **_kwargs: object) -> None:
    """The fallback organisation is a setting (tests change it while the process runs)."""
    if setting == "INTAKE_FALLBACK_ORGANISATION":
        _routes.clear()
