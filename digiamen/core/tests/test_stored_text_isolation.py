"""Every stored text is rendered isolated from the page's direction (``<bdi>`` or
``dir="auto"``; FSI/PDI where only plain text can go), on every page, in every language,
so that Arabic and Latin mix safely. The rule is ``isolation.py``'s; the world where every
stored text holds a marker is ``stored_texts.py``'s.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from digiamen.conftest import World
from digiamen.core.tests import isolation, stored_texts
from digiamen.core.tests.isolation import FSI, PDI, check, marker
from digiamen.core.tests.pages import client_for

LANGUAGES = ["ar", "fr", "en"]


def test_every_stored_text_is_isolated_on_every_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The network benchmark shows organisations' names and question texts from 5 members on.
    monkeypatch.setattr("digiamen.safeguarding.benchmark.MINIMUM_ORGANISATIONS", 1)
    pages, steps = stored_texts.build(world)
    shown: dict[str, set[str]] = defaultdict(set)
    problems: set[str] = set()
    rendered = 0
    for language in LANGUAGES:
        for page in pages:
            response = client_for(world, page.who, language).get(f"/{language}{page.path}")
            where = f"/{language}{page.path} as {page.who}"
            assert response.status_code == (404 if page.path == "/no-such-page/" else 200), where
            result = check(response.content.decode())
            problems.update(f"{where}: {problem}" for problem in result.problems)
            for name in result.shown:
                shown[name].add(page.path)
            rendered += 1
        for step in steps:
            html = step.show(client_for(world, step.who, language), language)
            result = check(html, plain_text=step.plain_text)
            problems.update(f"{step.name} ({language}): {problem}" for problem in result.problems)
            for name in result.shown:
                shown[name].add(step.name)
            rendered += 1
    # Where each stored text was seen (printed by pytest when the test fails).
    for name in sorted(shown):
        print(f"{name}: {', '.join(sorted(shown[name]))}")
    assert sorted(problems) == []
    # The test cannot pass by rendering nothing: each stored text is seen somewhere.
    assert sorted(stored_texts.SHOWN - set(shown)) == []
    # A stored text newly shown goes to SHOWN (and is checked above).
    assert sorted(stored_texts.NOT_SHOWN & set(shown)) == []
    assert rendered >= 70 * len(LANGUAGES)


# --- The rule itself ----------------------------------------------------------------------------

TEXT = marker("field")


@pytest.mark.parametrize(
    "html",
    [
        f"<html dir='rtl'><body><p><bdi>{TEXT}</bdi> · label</p></body></html>",
        f"<html dir='rtl'><p dir='auto'>{TEXT}</p></html>",
        f"<html dir='rtl'><td><a href='/x'><bdi class='user-text'>{TEXT}</bdi></a></td></html>",
        f"<html dir='rtl'><dd dir='auto'><a href='/x'>{TEXT}</a></dd></html>",
        f"<html dir='rtl'><bdi>{TEXT}, {TEXT} 12</bdi></html>",
        f"<textarea dir='auto'>{TEXT}\nother lines</textarea>",
        f"<input type='text' name='name' value='{TEXT}' dir='auto'>",
        f"<input type='hidden' name='name' value='{TEXT}'>",
        f"<title>{FSI}{TEXT}{PDI} · Digi-Amen</title>",
        f"<title>{TEXT}</title>",
        f"<html dir='rtl'><h1>Platform accountability: {FSI}{TEXT}{PDI}</h1></html>",
        f"<a aria-label='{FSI}{TEXT}{PDI}' href='/'>x</a>",
        f"<select><option value='1' dir='auto'>{TEXT}</option></select>",
        # dir=auto looks past descendants with their own direction.
        f"<p dir='auto'><span dir='ltr'>+212 5</span> {TEXT}</p>",
    ],
)
def test_isolated_texts_pass(html: str) -> None:
    result = check(html)
    assert result.problems == []
    assert result.shown == (set() if "hidden" in html else {"field"})


@pytest.mark.parametrize(
    "html",
    [
        f"<html dir='rtl'><p>{TEXT}</p></html>",
        f"<html dir='rtl'><p class='user-text'>{TEXT}</p></html>",
        f"<html dir='rtl'><td dir='ltr'>{TEXT}</td></html>",
        f"<html dir='rtl'><bdi dir='rtl'>{TEXT}</bdi></html>",
        f"<html dir='rtl'><li dir='auto'>Name: {TEXT}</li></html>",
        f"<textarea>{TEXT}</textarea>",
        f"<input type='text' name='name' value='{TEXT}'>",
        f"<title>{TEXT} · Digi-Amen</title>",
        f"<a aria-label='{TEXT}' href='/'>x</a>",
        f"<a data-name='{TEXT}' href='/'>x</a>",
        f"<textarea dir='ltr'>{TEXT}</textarea>",
        f"<svg><text>{TEXT}</text></svg>",
        f"<select><option value='1'>{TEXT}</option></select>",
    ],
)
def test_texts_not_isolated_fail(html: str) -> None:
    result = check(html)
    assert result.problems, html


def test_markers_are_distinct() -> None:
    names = stored_texts.SHOWN | stored_texts.NOT_SHOWN
    assert not stored_texts.SHOWN & stored_texts.NOT_SHOWN
    assert all(isolation.MARKER.fullmatch(marker(name)) for name in names)


def test_in_a_pdf_only_fsi_and_pdi_isolate() -> None:
    assert check(f"<p><bdi>{TEXT}</bdi></p>", plain_text=True).problems
    assert check(f"<p dir='auto'>{TEXT}</p>", plain_text=True).problems
    assert not check(f"<p>Name: {FSI}{TEXT}{PDI}</p>", plain_text=True).problems


def test_a_text_cut_short_is_checked_too() -> None:
    cut = TEXT[:9] + "…"
    assert check(f"<html dir='rtl'><p>{cut}</p></html>").problems
    assert not check(f"<html dir='rtl'><p><bdi>{cut}</bdi></p></html>").problems
    assert check(f"<svg><text>{cut}</text></svg>").problems
    assert not check(f"<svg><text>{FSI}{cut}{PDI}</text></svg>").problems
