from __future__ import annotations

import pytest

from digiamen.accounts import actions
from digiamen.conftest import World
from digiamen.intake.models import RoutingRule
from digiamen.intake.routing import NoOrganisation, route


def test_most_specific_rule_wins(world: World) -> None:
    sfax = actions.create_organisation(slug="sfax", name="Sfax CSO", country="TN").organisation
    tunis = actions.create_organisation(slug="tunis", name="Tunis CSO", country="TN").organisation
    RoutingRule.objects.create(country="TN", admin1="", organisation=tunis)
    RoutingRule.objects.create(country="TN", admin1="TN-61", organisation=sfax)
    assert route("TN", "TN-61") == sfax
    assert route("TN", "TN-11") == tunis
    assert route("TN", "") == tunis


def test_without_rules_an_organisation_covering_the_area_then_the_country(world: World) -> None:
    first = actions.create_organisation(slug="a", name="A", country="EG").organisation
    covering = actions.create_organisation(
        slug="b", name="B", country="EG", admin1_areas=["EG-ALX"]
    ).organisation
    assert route("EG", "EG-ALX") == covering
    assert route("EG", "EG-C") == first
    assert route("MA", "") == world.amane


def test_fallback_for_countries_nobody_covers(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    assert route("SD", "") == world.amane  # the oldest organisation
    settings.INTAKE_FALLBACK_ORGANISATION = "jordan"
    assert route("SD", "") == world.jordan
    assert route("", "") == world.jordan


@pytest.mark.django_db
def test_no_organisation_at_all() -> None:
    with pytest.raises(NoOrganisation):
        route("MA", "")
