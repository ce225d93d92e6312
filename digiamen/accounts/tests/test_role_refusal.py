"""Inside one's own organisation, a page one's role may not open says so and names who
can (403); another organisation's pages stay 404, as if they did not exist."""

from __future__ import annotations

from typing import Any

import pytest

from digiamen.conftest import World


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "This page is for: Organisation admin"),
        ("fr", "Cette page est réservée à\u202f: Administrat"),
        ("ar", "هذه الصفحة مخصّصة لـ:"),
    ],
)
def test_a_member_in_another_role_is_told_who_may_open_the_page(
    world: World, signed_in: Any, language: str, said: str
) -> None:
    page = f"/{language}/staff/amane/protocols/"  # organisation admins only
    response = signed_in(world.bob, language).get(page)  # a caseworker of Amane
    assert response.status_code == 403
    text = response.content.decode()
    assert said in text
    # Another organisation's member learns nothing: the same address is not found.
    assert signed_in(world.charlie, language).get(page).status_code == 404
    assert signed_in(world.alice, language).get(page).status_code == 200


def test_the_roles_that_may_are_listed_with_the_arabic_comma(world: World, signed_in: Any) -> None:
    response = signed_in(world.bob, "ar").get("/ar/staff/amane/statistics/")
    assert response.status_code == 403, response.status_code
    assert "، " in response.content.decode()
