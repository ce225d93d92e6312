"""Writing a consultation: the questions' form, the refusal of questions that could tell who
a child is, and the staff pages for each kind of visitor."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.conftest import World, sign_in
from digiamen.consultations.models import Consultation
from digiamen.consultations.questions import identifying, mentions_harm, parse
from digiamen.consultations.tests.helpers import QUESTIONS, open_consultation
from digiamen.core.models import AuditEvent


def test_questions_in_two_languages_make_one_list() -> None:
    questions = parse(QUESTIONS)
    assert [q.kind for q in questions] == ["one", "several", "words"]
    assert questions[0].texts["ar"] == "هل تشعر بالأمان على الإنترنت؟"
    assert questions[1].choices[2] == {"fr": "Messageries", "ar": "المراسلة"}


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"fr": ""}, "at least one language"),
        ({"fr": "Bonjour"}, "Line 1"),
        ({"fr": "- Oui"}, "comes under its question"),
        ({"fr": "? Oui ou non ?\n- Oui"}, "from 2 to 8 choices"),
        ({"fr": "~ Pourquoi ?\n- Parce que"}, "has no choices"),
        ({"fr": "? A ?\n- 1\n- 2", "ar": "? أ؟\n- 1\n- 2\n- 3"}, "must match the others"),
        ({"fr": "~ x\n" * 11}, "from 1 to 10 questions"),
        ({"fr": "~ " + "x" * 301}, "longer than 300"),
    ],
)
def test_badly_written_questions_are_refused(texts: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(texts)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("What is your name?", "name"),
        ("Quel est ton prénom ?", "name"),
        ("ما اسمك؟", "name"),
        ("What is your phone number?", "phone"),
        ("Quel est ton numéro ?", "phone"),
        ("ما رقم هاتفك؟", "phone"),
        ("Which school do you go to?", "school"),
        ("Dans quelle école vas-tu ? Quel est le nom de ton école ?", "school"),
        ("في أي مدرسة تدرس؟", "school"),
        ("How old are you?", "age"),
        ("Quel âge as-tu ?", "age"),
        ("كم عمرك؟", "age"),
        ("What is your date of birth?", "age"),
        ("Where do you live exactly, which street?", "address"),
        ("What is your e-mail?", "account"),
    ],
)
def test_a_question_that_could_tell_who_a_child_is_is_found(text: str, what: str) -> None:
    assert identifying(text) == what
    with pytest.raises(ValidationError, match="could tell who a child is"):
        parse({"en": f"~ {text}"})


@pytest.mark.parametrize(
    "text",
    [
        "Do you feel safe at school?",
        "هل تشعر بالأمان في المدرسة؟",
        "Do you have your own phone?",
        "At what age did you first go online?",
        "As-tu un téléphone à toi ?",
        "Has your school talked with you about safety online?",
        "Ton école t'a-t-elle parlé de sécurité en ligne ?",
        "هل تحدثت معك مدرستك عن الأمان على الإنترنت؟",
    ],
)
def test_fair_questions_are_not_refused(text: str) -> None:
    assert identifying(text) is None


def test_harm_is_noticed_in_each_language() -> None:
    assert mentions_harm("Someone is blackmailing me with a photo")
    assert mentions_harm("Il me menace de publier mes photos")
    assert mentions_harm("شخص يبتزني بصوري")
    assert not mentions_harm("Que les parents écoutent plus")


def _today() -> date:
    return timezone.now().date()


def _post(world: World, **changes: str) -> dict[str, str]:
    return {
        "code": "voix-2027",
        "age_min": "10",
        "age_max": "17",
        "starts_on": str(_today() - timedelta(days=2)),
        "ends_on": str(_today() + timedelta(days=60)),
        "title_fr": "Ta sécurité en ligne",
        "questions_fr": QUESTIONS["fr"],
        "title_ar": "سلامتك على الإنترنت",
        "questions_ar": QUESTIONS["ar"],
        **changes,
    }


def test_an_org_admin_writes_and_publishes_a_consultation(world: World) -> None:
    client = Client()
    sign_in(client, world.alice)
    page = client.get("/en/staff/amane/consultations/new/")
    assert page.status_code == 200 and "Questions in Arabic" in page.content.decode()
    response = client.post("/en/staff/amane/consultations/new/", _post(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get()
    assert consultation.code == "VOIX-2027" and consultation.languages == ["ar", "fr"]
    assert consultation.status == Consultation.Status.DRAFT
    edited = client.post(
        "/en/staff/amane/consultations/VOIX-2027/edit/", _post(world, title_fr="Nouveau titre")
    )
    assert edited.status_code == 302
    assert client.post("/en/staff/amane/consultations/VOIX-2027/publish/").status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.PUBLISHED
    assert consultation.titles["fr"] == "Nouveau titre"
    # Published: its questions no longer change (answers are kept by number).
    client.post("/en/staff/amane/consultations/VOIX-2027/edit/", _post(world, title_fr="Autre"))
    consultation.refresh_from_db()
    assert consultation.titles["fr"] == "Nouveau titre"
    assert client.post("/en/staff/amane/consultations/VOIX-2027/close/").status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"consultation.saved", "consultation.published", "consultation.closed"} <= actions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"questions_fr": "~ Comment t'appelles-tu ?"}, "could tell who a child is"),
        ({"questions_ar": "~ كم عمرك؟"}, "could tell who a child is"),
        ({"title_fr": "Quel est ton numéro ?"}, "could tell who a child is"),
        ({"code": "STOP"}, "This code is taken"),
        ({"code": "a b"}, "capital letters"),
        ({"ends_on": "2020-01-01"}, "last day"),
        ({"age_min": "16", "age_max": "12"}, "oldest age"),
        ({"title_ar": ""}, "in each language you use"),
        ({"questions_fr": "? Question \u202eeliam\u202c ?\n- a\n- b"}, "direction"),
    ],
)
def test_the_editor_refuses_with_a_message_and_stores_nothing(
    world: World, changes: dict[str, str], message: str
) -> None:
    client = Client()
    sign_in(client, world.alice)
    response = client.post("/en/staff/amane/consultations/new/", _post(world, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Consultation.objects.exists()


def test_the_editor_speaks_french(world: World) -> None:
    client = Client()
    sign_in(client, world.alice, "fr")
    response = client.post(
        "/fr/staff/amane/consultations/new/",
        _post(world, questions_fr="~ Quel âge as-tu ?", title_ar="", questions_ar=""),
    )
    assert response.status_code == 400
    assert "pourrait dire qui est" in response.content.decode()


PAGES = [
    "/en/staff/amane/consultations/",
    "/en/staff/amane/consultations/new/",
    "/en/staff/amane/consultations/VOIX-2027/",
    "/en/staff/amane/consultations/VOIX-2027/words/",
]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_for_each_kind_of_visitor(world: World, signed_in: Any, path: str) -> None:
    open_consultation(world)
    supervisor = world.add_member("sara", world.amane, Role.SUPERVISOR)
    assert Client().get(path)["Location"].startswith("/en/staff/login/")  # anonymous
    assert signed_in(supervisor).get(path).status_code == 200
    assert signed_in(world.bob).get(path).status_code == 403  # a caseworker of Amane
    other = world.add_member("omar", world.jordan, Role.SUPERVISOR)
    assert signed_in(other).get(path).status_code == 404


def test_words_are_for_supervisors_not_org_admins(world: World) -> None:
    open_consultation(world)
    client = Client()
    sign_in(client, world.alice)
    assert client.get("/en/staff/amane/consultations/VOIX-2027/").status_code == 200
    assert client.get("/en/staff/amane/consultations/VOIX-2027/words/").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/en/staff/amane/consultations/VOIX-2027/close/"),
        ("post", "/en/staff/amane/consultations/VOIX-2027/publish/"),
        ("get", "/en/staff/amane/consultations/VOIX-2027/edit/"),
        ("get", "/en/staff/amane/consultations/VOIX-2027/export/pdf/"),
    ],
)
def test_actions_and_the_brief_for_each_kind_of_visitor(
    world: World, signed_in: Any, method: str, path: str
) -> None:
    open_consultation(world)
    anonymous = getattr(Client(), method)(path)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    other = world.add_member("omar", world.jordan, Role.SUPERVISOR)
    assert getattr(signed_in(other), method)(path).status_code == 404
    assert getattr(signed_in(world.bob), method)(path).status_code == 403  # a caseworker
    allowed = getattr(signed_in(world.alice), method)(path)
    assert allowed.status_code in (200, 302)
    if path.endswith("/pdf/"):
        assert allowed["Content-Type"] == "application/pdf"
    assert Consultation.objects.get().status == (
        Consultation.Status.CLOSED if path.endswith("/close/") else Consultation.Status.PUBLISHED
    )
