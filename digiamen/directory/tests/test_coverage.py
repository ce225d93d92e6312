"""The coverage matrix and the map, per country and for the whole network."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.accounts.models import Role
from digiamen.conftest import World
from digiamen.directory import coverage
from digiamen.directory.boundaries import import_demo_boundaries
from digiamen.directory.tests.helpers import make_directory_organisation, make_service

TYPES = [code for code, _label in coverage._types()]


@pytest.fixture
def services(db: Any) -> None:
    tn = make_directory_organisation("TN org", "TN")
    make_service(tn, service_type="psychosocial_support", areas=["TN-61"])
    make_service(tn, service_type="psychosocial_support", areas=["TN-61", "TN-11"])
    make_service(tn, service_type="child_helpline", areas=["TN"])
    make_service(tn, service_type="legal_aid", areas=["TN-11"], status="inactive")


def cell(matrix: coverage.Matrix, row_code: str, service_type: str) -> int:
    row = next(row for row in matrix.rows if row.code == row_code)
    return row.cells[TYPES.index(service_type)]


def test_a_service_listed_for_its_country_and_an_area_counts_once(db: Any) -> None:
    tn = make_directory_organisation("TN org", "TN")
    make_service(tn, service_type="legal_aid", areas=["TN", "TN-61"])
    make_service(tn, service_type="legal_aid", areas=["TN-61"])
    matrix = coverage.country_matrix("TN")
    assert cell(matrix, "TN-61", "legal_aid") == 2
    assert cell(matrix, "TN-11", "legal_aid") == 1
    network = coverage.network_matrix()
    assert cell(network, "TN", "legal_aid") == 24


def test_country_matrix_counts_area_and_country_wide_services(services: None) -> None:
    matrix = coverage.country_matrix("TN")
    assert len(matrix.rows) == 24
    assert cell(matrix, "TN-61", "psychosocial_support") == 2
    assert cell(matrix, "TN-11", "psychosocial_support") == 1
    assert cell(matrix, "TN-83", "psychosocial_support") == 0
    # A country-wide helpline covers every governorate.
    assert all(cell(matrix, row.code, "child_helpline") == 1 for row in matrix.rows)
    # Inactive services are not coverage.
    assert cell(matrix, "TN-11", "legal_aid") == 0


def test_network_matrix_counts_covered_areas_per_country(services: None) -> None:
    matrix = coverage.network_matrix()
    assert cell(matrix, "TN", "psychosocial_support") == 2
    assert cell(matrix, "TN", "child_helpline") == 24
    assert cell(matrix, "MA", "child_helpline") == 0
    assert next(row for row in matrix.rows if row.code == "TN").of == 24


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_coordinator_sees_matrix_and_map_with_demo_data(
    world: World, signed_in: Any, language: str
) -> None:
    from digiamen.directory import demo

    demo.load([world.amane, world.jordan])
    coordinator = world.add_member("nadia", world.amane, Role.NETWORK_COORDINATOR)
    client = signed_in(coordinator, language)
    url = f"/{language}/staff/amane/directory/coverage/"
    url += "?country=TN&service_type=psychosocial_support"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<table class="matrix">' in html
    assert 'class="gap"' in html
    assert "<svg" in html and 'role="img"' in html
    assert html.count('<path class="area') == 24
    assert 'class="area few"' in html or 'class="area one"' in html
    network = client.get(f"/{language}/staff/amane/directory/coverage/?country=network")
    assert network.status_code == 200
    assert "/24" in network.content.decode()


def test_without_outlines_the_matrix_stands_alone(world: World, signed_in: Any) -> None:
    make_service(make_directory_organisation("Amane", "MA"), areas=["MA-06"])
    html = signed_in(world.alice).get("/en/staff/amane/directory/coverage/").content.decode()
    assert '<table class="matrix">' in html
    assert "<svg" not in html
    assert "No outlines are imported" in html


def test_map_text_is_escaped(world: World, signed_in: Any, db: Any) -> None:
    import_demo_boundaries()
    from digiamen.directory.models import AddedArea

    # An added area of Jordan with a hostile name never reaches the SVG unescaped.
    AddedArea.objects.create(code="JO-XX1", country="JO", level=1, names={"en": "<script>x"})
    html = signed_in(world.alice).get("/en/staff/amane/directory/coverage/?country=JO")
    assert "<script>x" not in html.content.decode()


def test_coverage_permissions(world: World, signed_in: Any) -> None:
    url = "/en/staff/amane/directory/coverage/"
    assert signed_in(world.alice).get(url).status_code == 200
    assert signed_in(world.bob).get(url).status_code == 403
    assert signed_in(world.charlie).get(url).status_code == 404
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize("query", ["country=XX", "service_type=nonsense", "country=" + "Z" * 999])
def test_bad_coverage_queries(world: World, signed_in: Any, query: str) -> None:
    response = signed_in(world.alice).get(f"/en/staff/amane/directory/coverage/?{query}")
    assert response.status_code == 400
