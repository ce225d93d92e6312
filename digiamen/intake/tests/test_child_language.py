"""The words a child reads: every public page in French and Arabic, read for the review's rules.

French speaks to the child as "tu" and writes no inclusive-dot forms ("seul·e" trips young
readers and screen readers). Arabic avoids the bureaucratic passive ("تم إرسال", "يتم
التواصل") and adjectives that take a gender where a neutral phrasing exists ("لست مضطراً").
The pages are the whole flow as a child walks it: front door, every step, the receipt, the
advice, the follow-up page and a refused follow-up."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from digiamen.channels import script
from digiamen.conftest import World
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, start

FRENCH_FAMILIAR = re.compile(r"\b(tu|ton|ta|tes|te|toi)\b|\bt[’']", re.IGNORECASE)
FRENCH_FORMAL = re.compile(r"(?<!-)\b(vous|votre|vos)\b", re.IGNORECASE)  # not rendez-vous
INCLUSIVE_DOT = re.compile(r"\w[·•.]e\b(?!\w)|\w·\w")
ADDRESSING_PAGES = ("front door", "step 1", "step 2", "step 6", "step 7", "receipt", "advice")
ARABIC_AVOIDED = ("تم ", "تمت ", "يتم ", "لست مضطراً", "آمناً", "أفضّل عدم القول")


def visible_text(html: str) -> str:
    """What a reader sees or hears: no scripts, styles, tags or attribute values, but the
    alternative texts and labels that a screen reader speaks."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    spoken = " ".join(re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + spoken)


def child_pages(client: Client, language: str) -> dict[str, str]:
    report = f"/{language}/report/"
    pages = {"front door": client.get(f"/{language}/").content.decode()}
    key, value = start(client, report)
    pages["step 1"] = client.get(report).content.decode()
    for number, answers in enumerate(STEP_ANSWERS, start=2):
        html = client.post(report, {key: value, "action": "next", **answers}).content.decode()
        pages[f"step {number}"] = html
        key, value = "draft", hidden(html, "draft")
    pages["receipt"] = client.post(report, {"draft": value, "action": "send"}).content.decode()
    pages["advice"] = client.get(f"/{language}/advice/").content.decode()
    pages["follow-up"] = client.get(f"/{language}/followup/").content.decode()
    pages["follow-up refused"] = client.post(
        f"/{language}/followup/", {"receipt": "0000 0000 0000 0000 0000 0000"}
    ).content.decode()
    return pages


def test_french_says_tu_and_writes_no_inclusive_dots(client: Client, world: World) -> None:
    pages = child_pages(client, "fr")
    assert len(pages) == 13
    # Not every page addresses the reader ("Où est-ce arrivé ?"); those that do say tu.
    assert all(FRENCH_FAMILIAR.search(visible_text(pages[name])) for name in ADDRESSING_PAGES)
    for name, html in pages.items():
        text = visible_text(html)
        assert not FRENCH_FORMAL.search(text), (name, FRENCH_FORMAL.findall(text))
        assert not INCLUSIVE_DOT.search(text.replace("Digi-Amen", "")), (
            name,
            INCLUSIVE_DOT.findall(text),
        )


def test_arabic_avoids_the_bureaucratic_passive_and_gendered_adjectives(
    client: Client, world: World
) -> None:
    pages = child_pages(client, "ar")
    assert "أمانك على الإنترنت" in visible_text(pages["front door"] + pages["receipt"])
    for name, html in pages.items():
        text = visible_text(html)
        for phrase in ARABIC_AVOIDED:
            assert phrase not in text, (name, phrase)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "C'est toi qui décides"), ("ar", "القرار لك")],
)
def test_the_consent_step_tells_the_child_the_choice_is_theirs(
    client: Client, world: World, language: str, expected: str
) -> None:
    assert expected in visible_text(child_pages(client, language)["step 7"])


def sms_conversation(language: str) -> list[str]:
    """Every message the text-message script sends, in one language: intro, each question,
    a misunderstanding and the stop."""
    opened = script.start(language.upper(), language, "MA")
    messages = list(opened.replies)
    state = opened.state
    for reply in ("1", "1", "1", "2", "0", "1"):
        outcome = script.answer(state, reply, "MA")
        messages += outcome.replies
    messages += script.answer(script.State(language, "age"), "??", "MA").replies
    messages += script.answer(script.State(language, "age"), "STOP", "MA").replies
    return messages


@pytest.mark.django_db
def test_the_text_message_script_speaks_as_the_website_does() -> None:
    french = "\n".join(sms_conversation("fr"))
    assert "Réponds" in french and FRENCH_FAMILIAR.search(french)
    assert not FRENCH_FORMAL.search(french), FRENCH_FORMAL.findall(french)
    arabic = "\n".join(sms_conversation("ar"))
    assert "مرشد" in arabic and "مستشار" not in arabic  # the website's word for counsellor
    for phrase in ARABIC_AVOIDED:
        assert phrase not in arabic, phrase
