"""Staff training: reading a module and taking its quiz, the organisation's own modules,
its protocols as a module, who may do what, and the self-assessment's capacity area."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts.models import Role
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.safeguarding import actions as safeguarding
from digiamen.training.models import Completion, OwnModule
from digiamen.training.modules import protocols_module, shipped

HOME = "/{lang}/staff/amane/training/"
MODULE = "/{lang}/staff/amane/training/{code}/"


def _answers(code: str, *, wrong: int = 0) -> dict[str, str]:
    """The quiz's answers, the first ``wrong`` of them wrong."""
    module = shipped(code, "en")
    found = {"version": module.version}
    for index, question in enumerate(module.questions):
        right = question.answer
        found[f"q{index}"] = str((right + 1) % len(question.choices) if index < wrong else right)
    return found


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_a_member_reads_a_module_and_passes_its_quiz(
    world: World, signed_in: Any, language: str
) -> None:
    bob = signed_in(world.bob, language)
    page = bob.get(MODULE.format(lang=language, code="recognising"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio"') == 15 and 'name="version"' in html
    result = bob.post(MODULE.format(lang=language, code="recognising"), _answers("recognising"))
    assert result.status_code == 200
    completion = Completion.objects.get()
    assert (completion.user, completion.score, completion.passed) == (world.bob.user, 100, True)
    assert AuditEvent.objects.filter(action="training.completed").count() == 1
    home = bob.get(HOME.format(lang=language)).content.decode()
    assert re.search(r"100\s?%", home)


def test_a_quiz_under_the_pass_mark_is_recorded_as_not_passed(world: World, signed_in: Any) -> None:
    bob = signed_in(world.bob)
    result = bob.post(
        MODULE.format(lang="en", code="first_contact"), _answers("first_contact", wrong=2)
    )
    assert result.status_code == 200
    assert "Not passed yet" in result.content.decode()
    assert Completion.objects.get().score == 60 and not Completion.objects.get().passed


@pytest.mark.parametrize(
    "change",
    [
        {"q0": ""},
        {"q1": "7"},
        {"q2": "x"},
        {"version": "0"},
    ],
)
def test_bad_answers_are_refused_and_nothing_is_recorded(
    world: World, signed_in: Any, change: dict[str, str]
) -> None:
    data = {**_answers("digital_safeguarding"), **change}
    response = signed_in(world.bob, "fr").post(
        MODULE.format(lang="fr", code="digital_safeguarding"), data
    )
    assert response.status_code == 400
    assert 'lang="fr"' in response.content.decode()
    assert not Completion.objects.exists()


def test_who_may_open_the_training(world: World, signed_in: Any) -> None:
    for role in Role.values:
        member = world.add_member(f"m-{role}", world.amane, role)
        assert signed_in(member).get(HOME.format(lang="en")).status_code == 200, role
    assert signed_in(world.charlie).get(HOME.format(lang="en")).status_code == 404
    assert signed_in(world.bob).get(MODULE.format(lang="en", code="nothing")).status_code == 404
    anonymous = Client().get(HOME.format(lang="en"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    # Only those who write modules see who is trained.
    assert "Your team" not in signed_in(world.bob).get(HOME.format(lang="en")).content.decode()
    assert "Your team" in signed_in(world.alice).get(HOME.format(lang="en")).content.decode()


OWN = {
    "code": "our-rules",
    "language": "fr",
    "title": "Nos règles",
    "summary": "Ce que nous faisons.",
    "pages": "# Accueil\nOn écoute.\n- On croit l'enfant.\n# Après\nOn note ce qui est dit.",
    "quiz": "? Que fait-on d'abord ?\n- On juge\n* On écoute\n- On raccroche",
}


def test_an_admin_writes_a_module_that_members_take(world: World, signed_in: Any) -> None:
    alice = signed_in(world.alice)
    response = alice.post("/en/staff/amane/training/new/", OWN)
    assert response.status_code == 302, response.content.decode()[-1500:]
    row = OwnModule.objects.get()
    assert row.version == 1 and row.content["questions"][0]["answer"] == 1
    assert signed_in(world.alice).post("/en/staff/amane/training/new/", OWN).status_code == 302
    assert OwnModule.objects.filter(code="our-rules").count() == 2
    bob = signed_in(world.bob, "ar")
    page = bob.get(MODULE.format(lang="ar", code="our-rules")).content.decode()
    assert "<bdi>Nos règles</bdi>" in page and "On croit l'enfant." in page
    assert "<legend><bdi>Que fait-on d&#x27;abord ?</bdi></legend>" in page
    assert "<bdi>On écoute</bdi>" in page
    done = bob.post(MODULE.format(lang="ar", code="our-rules"), {"version": "2", "q0": "1"})
    assert done.status_code == 200
    assert Completion.objects.get().version == "2" and Completion.objects.get().passed
    assert signed_in(world.bob).post("/en/staff/amane/training/new/", OWN).status_code == 403
    assert signed_in(world.charlie).post("/en/staff/amane/training/new/", OWN).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quiz": "? Q\n- a\n- b"}, "exactly one right answer"),
        ({"quiz": "? Q\n* a\n* b"}, "exactly one right answer"),
        ({"quiz": "? Q\n* a"}, "from 2 to 5 answers"),
        ({"quiz": "Q\n* a\n- b"}, "Each line starts with"),
        ({"pages": "no title first"}, "Start each page"),
        ({"pages": "# Only a title"}, "a title and some text"),
        ({"title": "\u202etxet"}, "invisible characters"),
        ({"code": "recognising"}, "belongs to a module of the platform"),
        ({"code": "not a slug"}, ""),
        ({"language": "de"}, ""),
    ],
)
def test_a_malformed_module_is_refused(
    world: World, signed_in: Any, change: dict[str, str], message: str
) -> None:
    response = signed_in(world.alice).post("/en/staff/amane/training/new/", {**OWN, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OwnModule.objects.exists()


def test_the_protocols_module_asks_which_step_comes_first(world: World, signed_in: Any) -> None:
    module = protocols_module(world.amane, "en")
    assert module.pages and module.questions
    first = module.questions[0]
    assert "which step comes first" in first.text
    data = {"version": module.version}
    data.update({f"q{n}": str(q.answer) for n, q in enumerate(module.questions)})
    assert (
        signed_in(world.bob).post(MODULE.format(lang="en", code="protocols"), data).status_code
        == 200
    )
    assert Completion.objects.get(module="protocols").passed


def test_the_capacity_area_follows_who_is_trained(world: World, signed_in: Any) -> None:
    assessment = safeguarding.start(world.amane, world.alice.user)
    answers = {a.question: a for a in assessment.answers.all()}
    assert answers["training_grooming"].automatic
    assert answers["training_grooming"].status == "not_in_place"
    before = safeguarding.current_scores(assessment)["areas"]["capacity"]
    for member in (world.alice, world.bob):
        signed_in(member).post(
            MODULE.format(lang="en", code="recognising"), _answers("recognising")
        )
    safeguarding.refresh_automatic(assessment)
    answers = {a.question: a for a in assessment.answers.all()}
    assert answers["training_grooming"].status == "in_place"
    assert answers["training_grooming"].measured == {"members": 2, "trained": 2}
    assert answers["training_records"].status == "in_place"
    assert answers["training_security"].status == "not_in_place"  # another module
    assert safeguarding.current_scores(assessment)["areas"]["capacity"] > (before or 0)


def test_the_api_gives_the_modules_and_the_team(world: World, signed_in: Any) -> None:
    signed_in(world.bob).post(MODULE.format(lang="en", code="recognising"), _answers("recognising"))
    mine = Client().get("/api/v1/training", **token_for(world.bob)).json()
    found = {module["code"]: module for module in mine["modules"]}
    assert found["recognising"]["last_result"]["passed"] is True
    assert found["first_contact"]["last_result"] is None and "team" not in mine
    team = Client().get("/api/v1/training", **token_for(world.alice)).json()["team"]
    assert team == {"members": 2, "trained": 1}
    assert Client().get("/api/v1/training").status_code == 401


def test_an_existing_installation_gets_the_training_checks_in_a_new_version(
    world: World,
) -> None:
    import importlib

    from django.apps import apps

    from digiamen.safeguarding.models import QuestionSet
    from digiamen.safeguarding.questions import first_version_content

    migration = importlib.import_module("digiamen.safeguarding.migrations.0002_training_checks")
    content = first_version_content()
    for question in content["questions"]:
        if question["code"].startswith("training_"):
            question.pop("automatic", None)
    QuestionSet.objects.create(version=1, content=content)
    migration.measure_training(apps, None)
    newest = QuestionSet.objects.order_by("-version").first()
    assert newest is not None and newest.version == 2
    checks = {q["code"]: q.get("automatic") for q in newest.questions}
    assert checks["training_grooming"] == "training_recognising"
    assert checks["training_records"] == "staff_training"
    migration.measure_training(apps, None)  # run again: nothing more
    assert QuestionSet.objects.count() == 2
