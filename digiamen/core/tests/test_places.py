"""The admin-1 reference data: complete, ISO-coded and named in three languages. No database."""

import json
import re

import pycountry
import pytest

from digiamen.core import places

EXPECTED = {"MA": 12, "TN": 24, "DZ": 58, "EG": 27, "JO": 12, "MR": 15, "SD": 18, "LY": 22}
LANGUAGES = ("ar", "fr", "en")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _squash(name: str) -> str:
    """Arabic names compared without spaces and hyphens ("الدار البيضاء - سطات")."""
    return re.sub(r"[\s\-\u2013\u2014_]", "", name)


def test_country_codes() -> None:
    assert tuple(EXPECTED) == places.COUNTRY_CODES


@pytest.mark.parametrize(("country", "count"), EXPECTED.items())
def test_counts(country: str, count: int) -> None:
    assert len(places.areas(country)) == count


@pytest.mark.parametrize("country", EXPECTED)
def test_codes_are_iso_3166_2_of_the_country(country: str) -> None:
    for area in places.areas(country):
        iso = pycountry.subdivisions.get(code=area.code)
        assert iso is not None, area.code
        assert iso.country_code == country, area.code
        assert iso.parent_code is None, area.code  # admin-1, not a province inside a region
        assert area.country == country
        assert places.is_area_of(area.code, country)


@pytest.mark.parametrize("country", EXPECTED)
def test_every_admin1_code_of_the_country_is_there(country: str) -> None:
    top = {s.code for s in pycountry.subdivisions.get(country_code=country) if not s.parent_code}
    assert {a.code for a in places.areas(country)} == top


@pytest.mark.parametrize("country", EXPECTED)
def test_names_in_three_languages(country: str) -> None:
    for area in places.areas(country):
        assert set(area.names) == set(LANGUAGES), area.code
        for language in LANGUAGES:
            assert area.names[language].strip() == area.names[language] != "", area.code
        assert ARABIC.search(area.names["ar"]), area.code
        assert not LATIN.search(area.names["ar"]), area.code
        assert not ARABIC.search(area.names["fr"] + area.names["en"]), area.code
    for language in LANGUAGES:
        assert places.country_name(country, language)


@pytest.mark.parametrize("country", EXPECTED)
def test_no_duplicates_within_a_country(country: str) -> None:
    found = places.areas(country)
    codes = [a.code for a in found]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    for language in LANGUAGES:
        names = [a.name(language) for a in found]
        assert len(names) == len(set(names)), (country, language)


def test_no_duplicate_codes_overall() -> None:
    codes = [a.code for c in EXPECTED for a in places.areas(c)]
    assert len(codes) == len(set(codes)) == sum(EXPECTED.values())


def test_json_file_shape() -> None:
    data = json.loads(places.DATA.read_text(encoding="utf-8"))
    assert data["source"]
    assert list(data["countries"]) == list(EXPECTED)
    for country in data["countries"].values():
        codes = [entry["code"] for entry in country["areas"]]
        assert codes == sorted(codes)


def test_spot_checks() -> None:
    casablanca = places.area("MA-06")
    assert casablanca is not None
    assert casablanca.name("en") == casablanca.name("fr") == "Casablanca-Settat"
    assert _squash(casablanca.name("ar")) == _squash("الدار البيضاء سطات")

    sfax = places.area("TN-61")
    assert sfax is not None
    assert (sfax.name("ar"), sfax.name("fr"), sfax.name("en")) == ("صفاقس", "Sfax", "Sfax")

    amman = places.area("JO-AM")
    assert amman is not None
    assert amman.name("en") == amman.name("fr") == "Amman"
    assert amman.name("ar") in {"العاصمة", "عمان", "عمّان"}

    cairo = places.area("EG-C")
    assert cairo is not None
    assert (cairo.name("ar"), cairo.name("fr"), cairo.name("en")) == (
        "القاهرة",
        "Le Caire",
        "Cairo",
    )

    tizi = places.area("DZ-15")
    assert tizi is not None and tizi.name("fr") == "Tizi Ouzou" and tizi.name("ar") == "تيزي وزو"

    nord = places.area("MR-14")
    assert nord is not None and nord.name("fr") == "Nouakchott-Nord"

    khartoum = places.area("SD-KH")
    assert khartoum is not None and khartoum.name("ar") == "الخرطوم"

    tripoli = places.area("LY-TB")
    assert (
        tripoli is not None and tripoli.name("fr") == "Tripoli" and tripoli.name("ar") == "طرابلس"
    )


def test_lookups() -> None:
    sfax = places.area("TN-61")
    assert sfax is not None and sfax.name("fr") == "Sfax"
    assert sfax.name("xx") == sfax.name("en") == "Sfax"
    assert sfax.name("fr-ca") == "Sfax"
    assert places.is_area_of("TN-61", "TN") is True
    assert places.is_area_of("TN-61", "MA") is False
    assert places.is_area_of("XX-1", "TN") is False
    assert places.area("XX-1") is None
    assert places.area("MA-CAS") is None  # a prefecture, not a region
    assert places.areas("FR") == []
    assert places.areas("XX") == []


def test_country_names() -> None:
    assert places.country_name("MA", "ar") == "المغرب"
    assert places.country_name("MA", "fr") == "Maroc"
    assert places.country_name("MA", "en") == "Morocco"
    assert places.country_name("MA", "xx") == "Morocco"
    assert places.country_name("EG", "fr") == "Égypte"
    assert places.country_name("FR", "en") == "France"
    assert places.country_name("FR", "ar") == "فرنسا"  # not in the data: pycountry's catalogue
    assert places.country_name("XX", "en") == "XX"


def test_areas_returns_a_copy() -> None:
    first = places.areas("MA")
    first.clear()
    assert len(places.areas("MA")) == EXPECTED["MA"]


def test_countries_outside_the_file_are_named_in_the_reader_language() -> None:
    # Iraq and Lebanon are not in admin1.json: their names come from pycountry's catalogues.
    assert places.country_name("IQ", "ar") == "العراق"
    assert places.country_name("IQ", "fr") == "Irak"
    assert places.country_name("IQ", "en") == "Iraq"
    assert places.country_name("LB", "ar-eg") == "لبنان"
    assert places.country_name("SY", "fr") == "Syrie"  # the common name, where translated
    assert places.country_name("ZZ", "ar") == "ZZ"
