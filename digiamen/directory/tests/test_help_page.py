"""The public "where to get help" page and the report receipt's services near the child."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.conftest import World
from digiamen.directory.tests.helpers import (
    make_directory_organisation,
    make_location,
    make_service,
)
from digiamen.intake.tests.helpers import walk


@pytest.fixture
def tunisia(db: Any) -> dict[str, Any]:
    entry = make_directory_organisation("Sfax association", "TN")
    sfax = make_service(
        entry,
        name="Sfax listening centre",
        service_type="psychosocial_support",
        areas=["TN-61"],
        languages=["ar", "fr"],
        free_of_charge=True,
    )
    shelter = make_location(
        entry, admin1="TN-61", confidential=True, name="Shelter", address_1="7 Hidden Lane"
    )
    office = make_location(entry, admin1="TN-61", name="Office", address_1="3 Open Street")
    sfax.at_locations.create(location=shelter)
    sfax.at_locations.create(location=office)
    national = make_service(
        entry, name="National child line", areas=["TN"], languages=["ar"], phone="+216 80 000 001"
    )
    tunis = make_service(entry, name="Tunis legal aid", service_type="legal_aid", areas=["TN-11"])
    closed = make_service(entry, name="Closed service", areas=["TN-61"], status="inactive")
    return {"sfax": sfax, "national": national, "tunis": tunis, "closed": closed}


def test_area_services_come_first_then_the_country_wide(client: Client, tunisia: Any) -> None:
    response = client.get("/en/help/?country=TN&area=TN-61")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Sfax listening centre") < html.index("National child line")
    assert "Tunis legal aid" not in html
    assert "Closed service" not in html
    assert 'href="tel:+21680000001"' in html


def test_confidential_locations_are_never_shown(client: Client, tunisia: Any) -> None:
    for language in ("ar", "fr", "en"):
        html = client.get(f"/{language}/help/?country=TN&area=TN-61").content.decode()
        assert "3 Open Street" in html
        assert "7 Hidden Lane" not in html
        assert "Shelter" not in html


def test_filters(client: Client, tunisia: Any) -> None:
    html = client.get("/en/help/?country=TN&area=TN-61&type=legal_aid").content.decode()
    assert "Sfax listening centre" not in html and "National child line" not in html
    html = client.get("/en/help/?country=TN&area=TN-61&free=on").content.decode()
    assert "Sfax listening centre" in html and "National child line" not in html
    html = client.get("/en/help/?country=TN&area=TN-61&language=fr").content.decode()
    assert "Sfax listening centre" in html and "National child line" not in html


def test_without_javascript_the_areas_appear_after_the_country(client: Client, db: Any) -> None:
    first = client.get("/en/help/").content.decode()
    assert 'name="area"' not in first
    second = client.get("/en/help/?country=TN").content.decode()
    assert 'name="area"' in second and "Sfax" in second


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "country=TN&area=MA-06",  # an area of another country
        "country=TN&area=%E2%80%AE",
        "country=TN&type=nonsense",
        "country=TN&language=klingon",
        "country=" + "A" * 5000,
    ],
)
def test_bad_queries_are_a_clear_400(client: Client, db: Any, query: str) -> None:
    response = client.get(f"/fr/help/?{query}")
    assert response.status_code == 400
    assert "Veuillez vérifier vos choix" in response.content.decode()


def test_page_is_small_and_right_to_left_in_arabic(client: Client, tunisia: Any) -> None:
    response = client.get("/ar/help/?country=TN&area=TN-61")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "صفاقس" in html
    assert len(response.content) <= 20 * 1024


def test_demo_data_pages_stay_under_20_kb(client: Client, world: World) -> None:
    from digiamen.directory import demo

    demo.load([world.amane, world.jordan])
    for language in ("ar", "fr", "en"):
        for query in ("country=TN&area=TN-61", "country=MA&area=MA-06", "country=JO"):
            response = client.get(f"/{language}/help/?{query}")
            assert response.status_code == 200
            assert len(response.content) <= 20 * 1024, (language, query, len(response.content))


def test_receipt_in_sfax_shows_sfax_services_first(
    client: Client, world: World, tunisia: Any
) -> None:
    response = walk(client, "/en/report/")
    assert response.status_code == 201
    html = response.content.decode()
    assert "Help near you" in html
    assert html.index("Sfax listening centre") < html.index("National child line")
    assert "Tunis legal aid" not in html
    assert 'href="/en/help/?country=TN&amp;area=TN-61"' in html


def test_services_near_fetches_only_what_is_shown(tunisia: Any) -> None:
    from digiamen.directory.nearby import services_near

    everything = services_near("TN", "TN-61")
    assert [s.name for s in everything] == ["Sfax listening centre", "National child line"]
    assert not everything.more
    first = services_near("TN", "TN-61", limit=1)
    assert [s.name for s in first] == ["Sfax listening centre"] and first.more
    french = services_near("TN", "TN-61", language="fr")
    assert [s.name for s in french] == ["Sfax listening centre"]
