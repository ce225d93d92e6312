import re

import pycountry
import pytest

from digiamen.core import places

EXPECTED = {"MA": 12, "TN": 24, "DZ": 58, "EG": 27, "JO": 12, "MR": 15, "SD": 18, "LY": 22}
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(("country", "count"), EXPECTED.items())
def test_every_country_has_its_current_areas(country: str, count: int) -> None:
    areas = places.areas(country)
    assert len(areas) == count
    iso = {s.code for s in pycountry.subdivisions.get(country_code=country)}
    for area in areas:
        assert area.code in iso and area.code.startswith(country + "-")
        assert set(area.names) == {"ar", "fr", "en"} and all(area.names.values())
        assert ARABIC.search(area.names["ar"]) and not LATIN.search(area.names["ar"])
    for language in ("ar", "fr", "en"):
        names = [a.name(language) for a in areas]
        assert len(names) == len(set(names)), (country, language)


def test_lookups() -> None:
    sfax = places.area("TN-61")
    assert sfax is not None and sfax.name("fr") == "Sfax" and sfax.name("ar") == "صفاقس"
    assert sfax.name("xx") == "Sfax"
    assert places.area("MA-06").name("en") == "Casablanca-Settat"  # type: ignore[union-attr]
    assert places.area("EG-C").name("en") == "Cairo"  # type: ignore[union-attr]
    assert places.is_area_of("TN-61", "TN") and not places.is_area_of("TN-61", "MA")
    assert places.area("XX-1") is None
    assert places.country_name("MA", "ar") == "المغرب"
    assert places.country_name("FR", "en") == "France"
    assert tuple(EXPECTED) == places.COUNTRY_CODES
