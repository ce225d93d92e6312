"""The lesson library: the default lessons (complete, plain, safe), the public pages (light,
no cookie), the sanitiser, and an organisation's own version published only by a second
member, every version kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts.models import Role
from digiamen.awareness import lessons
from digiamen.awareness.models import LessonVersion
from digiamen.conftest import Member, World
from digiamen.core.models import AuditEvent

PAGE_BUDGET = 20 * 1024
LESSON = "/en/staff/amane/awareness/lessons/sexual_extortion/adolescent/fr/"


def test_every_lesson_exists_in_three_languages_and_reads_plainly() -> None:
    for harm_type in lessons.HARM_TYPES:
        for audience in lessons.AUDIENCES:
            for language in lessons.LANGUAGES:
                lesson = lessons.default_lesson(harm_type, audience, language)
                where = f"{harm_type}.{audience}.{language}"
                assert lesson is not None and lesson.title, where
                assert "<" not in lesson.body, where  # Markdown only, no HTML
                assert len(lesson.body.split()) <= 350, where
                links = re.findall(r"\]\(([^)]*)\)", lesson.body)
                assert links and set(links) <= {"/report/", "/advice/"}, where
                if language == "fr":
                    words = set(re.findall(r"\b\w+\b", lesson.body.lower()))
                    if audience in ("child", "adolescent"):
                        assert not words & {"vous", "votre", "vos"}, where
                    else:
                        assert not words & {"tu", "ton", "ta", "tes"}, where


def test_no_lesson_blames_the_child() -> None:
    blaming = [
        "should not have sent",
        "shouldn't have sent",
        "your own fault",
        "n’aurais pas dû",
        "n'aurais pas dû",
        "c’est ta faute",
        "كان عليك ألا",
        "ذنبك أنت",
    ]
    for path in lessons.LESSON_DIR.glob("*.md"):
        text = path.read_text(encoding="utf-8").lower()
        assert not [phrase for phrase in blaming if phrase in text], path.name


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_library_and_a_lesson_are_light_and_set_no_cookie(db: Any, language: str) -> None:
    client = Client()
    library = client.get(f"/{language}/learn/")
    assert library.status_code == 200 and len(library.content) <= PAGE_BUDGET
    links = re.findall(rf'href="/{language}/learn/[a-z_]+/[a-z]+/"', library.content.decode())
    assert len(links) == 25
    lesson = client.get(f"/{language}/learn/sexual_extortion/adolescent/")
    html = lesson.content.decode()
    assert lesson.status_code == 200 and len(lesson.content) <= PAGE_BUDGET
    # The lesson's link to report opens in the lesson's language.
    assert f'href="/{language}/report/"' in html
    assert not client.cookies
    assert html.count("<script") == 1  # the quick exit's, as on every page; no other


@pytest.mark.parametrize(
    "path", ["/en/learn/csam/child/", "/en/learn/sexual_extortion/toddler/", "/en/learn/x/y/z/"]
)
def test_an_unknown_lesson_is_a_404(db: Any, path: str) -> None:
    assert Client().get(path).status_code == 404


@pytest.mark.parametrize(
    ("markdown", "gone"),
    [
        ("<script>alert(1)</script>Hi", "alert(1)"),
        ('<iframe src="https://evil.example"></iframe>Hi', "iframe"),
        ('<p onclick="steal()">Hi</p>', "onclick"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        # A picture is never loaded from elsewhere (at most, a link to it remains).
        ("![x](https://tracker.example/pixel.png)", "<img"),
        ('<img src="https://tracker.example/p.png" onerror="x()">', "tracker.example"),
        ('<a href="data:text/html,hi">x</a>', "data:"),
        ("<style>body{display:none}</style>Hi", "display:none"),
    ],
)
def test_the_sanitiser_removes_what_could_run_or_call_out(markdown: str, gone: str) -> None:
    html = str(lessons.render(markdown))
    assert gone not in html


def test_what_the_sanitiser_keeps() -> None:
    html = str(lessons.render("## Signs\n\n- **one**\n- *two*\n\n[help](/advice/)", "ar"))
    assert "<h2>Signs</h2>" in html and "<strong>one</strong>" in html
    assert '<a href="/ar/advice/" rel="noopener noreferrer">help</a>' in html


def _draft(client: Any, title: str = "Sextorsion : tu n’es pas seul·e", body: str = "") -> Any:
    return client.post(
        LESSON,
        {
            "title": title,
            "body": body or "## Que faire ?\n\n- Ne paie pas.\n\n[Signaler](/report/)",
        },
    )


def test_a_lesson_drafted_by_one_member_is_public_only_once_another_publishes_it(
    world: World, signed_in: Any
) -> None:
    sara: Member = world.add_member("sara", world.amane, Role.SUPERVISOR)
    public = "/fr/learn/sexual_extortion/adolescent/amane/"
    assert _draft(signed_in(world.bob)).status_code == 302
    version = LessonVersion.objects.get()
    assert version.published_at is None
    assert Client().get(public).status_code == 404  # not public yet
    # The drafter cannot publish their own words.
    bob = signed_in(world.bob)
    refused = bob.post(
        f"/en/staff/amane/awareness/lessons/versions/{version.pk}/publish/", follow=True
    )
    assert "Another member publishes what you drafted" in refused.content.decode()
    version.refresh_from_db()
    assert version.published_at is None
    assert not AuditEvent.objects.filter(action="awareness.lesson_published").exists()
    # Another member reads it and publishes it.
    response = signed_in(sara).post(
        f"/en/staff/amane/awareness/lessons/versions/{version.pk}/publish/"
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.published_by == sara.user
    page = Client().get(public)
    assert page.status_code == 200 and "Ne paie pas" in page.content.decode()
    default = Client().get("/fr/learn/sexual_extortion/adolescent/").content.decode()
    assert "/fr/learn/sexual_extortion/adolescent/amane/" in default
    # A second version: both kept; the first stays public until the second is published.
    _draft(bob, body="## Nouveau\n\nTexte révisé.")
    assert LessonVersion.objects.count() == 2
    assert "Ne paie pas" in Client().get(public).content.decode()
    actions = list(
        AuditEvent.objects.filter(action__startswith="awareness.lesson").values_list(
            "action", "actor_username"
        )
    )
    assert actions == [
        ("awareness.lesson_drafted", "bob"),
        ("awareness.lesson_published", "sara"),
        ("awareness.lesson_drafted", "bob"),
    ]


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("Titre \u202eesrevni", "Texte", "invisible characters"),
        ("", "Texte", "This field is required"),
        ("Titre", "x" * 9000, "at most 8000 characters"),
        ("T" * 200, "Texte", "at most 120 characters"),
    ],
)
def test_a_bad_draft_is_refused_and_nothing_is_stored(
    world: World, signed_in: Any, title: str, body: str, message: str
) -> None:
    response = signed_in(world.bob).post(LESSON, {"title": title, "body": body})
    assert response.status_code == 400 and message in response.content.decode()
    assert not LessonVersion.objects.exists()


def test_who_may_read_draft_and_publish(world: World, signed_in: Any) -> None:
    liaison = world.add_member("lia", world.amane, Role.PLATFORM_LIAISON)
    coordinator = world.add_member("nour", world.amane, Role.NETWORK_COORDINATOR)
    assert signed_in(liaison).get("/en/staff/amane/awareness/lessons/").status_code == 403
    assert signed_in(world.charlie).get("/en/staff/amane/awareness/lessons/").status_code == 404
    assert Client().get("/en/staff/amane/awareness/lessons/").status_code == 302
    # A network coordinator reads the lessons but does not draft.
    page = signed_in(coordinator).get(LESSON)
    assert page.status_code == 200 and "<textarea" not in page.content.decode()
    assert _draft(signed_in(coordinator)).status_code == 403
    assert (
        signed_in(world.bob).get("/en/staff/amane/awareness/lessons/csam/child/fr/").status_code
        == 404
    )
    # Another organisation's member cannot publish Amane's draft.
    _draft(signed_in(world.bob))
    version = LessonVersion.objects.get()
    other = signed_in(world.charlie).post(
        f"/en/staff/jordan/awareness/lessons/versions/{version.pk}/publish/"
    )
    assert other.status_code == 404
    version.refresh_from_db()
    assert version.published_at is None
