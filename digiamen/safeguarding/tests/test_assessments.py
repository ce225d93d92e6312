"""Self-assessments: questions, automatic check-up, scores, action plans, re-assessment."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts.models import User
from digiamen.conftest import World
from digiamen.safeguarding import actions, checks, questions, scoring
from digiamen.safeguarding.actions import AnswerInput, SafeguardingError
from digiamen.safeguarding.models import ActionItem, Answer, Assessment, BackupRun, Status


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@contextmanager
def raises(code: str) -> Iterator[None]:
    with pytest.raises(SafeguardingError) as refused:
        yield
    assert refused.value.code == code, refused.value.code
    assert refused.value.message  # translated, for the person


def answer_everything(assessment: Assessment, actor: User, status: str = Status.IN_PLACE) -> None:
    given = [
        AnswerInput(question["code"], status, note="checked")
        for question in assessment.question_set.questions
        if not question.get("automatic")
    ]
    actions.answer(assessment, actor, given, version=assessment.version)
    assessment.refresh_from_db()


def test_the_first_version_has_six_areas_in_three_languages() -> None:
    content = questions.first_version_content()
    assert [area["code"] for area in content["areas"]] == list(questions.AREAS)
    assert 38 <= len(content["questions"]) <= 45
    for question in content["questions"]:
        for field in ("text", "guidance"):
            assert set(question[field]) == {"ar", "fr", "en"}
    automatic = {q["automatic"] for q in content["questions"] if "automatic" in q}
    assert automatic == set(checks.CHECKS)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["questions"].append(copy.deepcopy(c["questions"][0])),  # same code twice
        lambda c: c["questions"][0]["text"].pop("ar"),  # a language missing
        lambda c: c["questions"][0].update(area="gossip"),  # unknown area
        lambda c: c["areas"].pop(),  # an area missing
        lambda c: c["questions"][1].update(automatic="two_factor"),  # a check used twice
        lambda c: c["questions"][0].update(code="Bad Code!"),
        lambda c: c.update(questions=[]),
    ],
)
def test_a_broken_question_set_is_refused(breakage: Any) -> None:
    content = questions.first_version_content()
    breakage(content)
    with pytest.raises(questions.QuestionSetError):
        questions.validate(content)


def test_scores_leave_out_not_applicable_and_unanswered() -> None:
    asked = [
        {"code": "a", "area": "policies"},
        {"code": "b", "area": "policies"},
        {"code": "c", "area": "technical"},
        {"code": "d", "area": "literacy"},
    ]
    found = scoring.scores(asked, {"a": "in_place", "b": "partly", "c": "not_applicable"})
    assert found["areas"] == {"policies": 75, "technical": None, "literacy": None}
    assert found["overall"] == 75 and found["answered"] == 3 and found["questions"] == 4


def test_the_automatic_check_up_follows_the_platform(world: World) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    answers = {a.question: a for a in assessment.answers.all()}
    assert answers["two_factor"].status == Status.IN_PLACE  # everyone has an authenticator
    assert answers["two_factor"].automatic
    assert answers["recovery_key"].status == Status.NOT_IN_PLACE
    assert answers["backups"].status == Status.NOT_IN_PLACE
    assert answers["https"].status == Status.NOT_IN_PLACE  # tests run without HTTPS
    before = actions.current_scores(assessment)["areas"]["technical"]
    # A member's authenticator is disabled in the database: the score follows.
    TOTPDevice.objects.filter(user=world.bob.user).update(confirmed=False)
    world.amane.recovery_key_confirmed_at = timezone.now()
    world.amane.save(update_fields=["recovery_key_confirmed_at"])
    BackupRun.objects.create(ran_at=timezone.now() - timedelta(days=2))
    actions.refresh_automatic(assessment)
    answers = {a.question: a for a in assessment.answers.all()}
    assert answers["two_factor"].status == Status.PARTLY
    assert answers["two_factor"].measured == {"members": 2, "with_two_factor": 1}
    assert answers["recovery_key"].status == Status.IN_PLACE
    assert answers["backups"].status == Status.IN_PLACE
    assert actions.current_scores(assessment)["areas"]["technical"] != before


def test_inactive_accounts_and_admins_are_counted(world: World) -> None:
    User.objects.filter(pk=world.bob.user.pk).update(
        last_login=timezone.now() - timedelta(days=200)
    )
    User.objects.filter(pk=world.alice.user.pk).update(last_login=timezone.now())
    measured = checks.inactive_accounts(world.amane)
    assert measured.measured == {"members": 2, "inactive": 1}
    assert measured.status == Status.NOT_IN_PLACE
    assert checks.admin_count(world.amane).status == Status.PARTLY  # one admin only
    world.add_member("anna", world.amane, "org_admin")
    assert checks.admin_count(world.amane).status == Status.IN_PLACE


def test_complete_close_and_reassess(world: World) -> None:
    first = actions.start(world.amane, world.alice.user)
    with raises("open_exists"):
        actions.start(world.amane, world.alice.user)
    with raises("unanswered"):
        actions.close(first, world.alice.user, version=first.version)
    answer_everything(first, world.alice.user, Status.PARTLY)
    closed = actions.close(first, world.alice.user, version=first.version)
    assert closed.scores["overall"] is not None and closed.scores["answered"] == 42
    with raises("closed"):
        actions.answer(
            closed, world.alice.user, [AnswerInput("policy_written", "in_place")], version=9
        )
    second = actions.start(world.amane, world.alice.user)
    assert second.previous == closed
    copied = Answer.objects.get(assessment=second, question="policy_written")
    assert copied.status == Status.PARTLY and bytes(copied.note)
    actions.answer(
        second,
        world.alice.user,
        [AnswerInput("policy_written", Status.IN_PLACE)],
        version=second.version,
    )
    assert Answer.objects.get(assessment=closed, question="policy_written").status == "partly"


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ([AnswerInput("no_such_question", "in_place")], "unknown_question"),
        ([AnswerInput("two_factor", "in_place")], "automatic"),
        ([AnswerInput("policy_written", "perfect")], "unknown_status"),
        ([AnswerInput("policy_written", "in_place", note="x" * 5000)], "too_long"),
    ],
)
def test_bad_answers_change_nothing(world: World, given: list[AnswerInput], problem: str) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    before = list(assessment.answers.values_list("question", "status"))
    with raises(problem):
        actions.answer(assessment, world.alice.user, given, version=assessment.version)
    assert list(assessment.answers.values_list("question", "status")) == before


def test_a_stale_version_is_refused(world: World) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    given = [AnswerInput("policy_written", "in_place")]
    actions.answer(assessment, world.alice.user, given, version=assessment.version)
    with raises("changed"):
        actions.answer(assessment, world.alice.user, given, version=assessment.version)


def test_action_items(world: World) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    soon = timezone.localdate() + timedelta(days=10)
    item = actions.add_action_item(
        assessment,
        world.alice.user,
        question="two_factor",
        description="Help Bob set up his authenticator",
        owner=world.bob.user,
        due_on=soon,
    )
    assert b"Bob" not in bytes(item.description)  # sealed
    assert not item.is_overdue
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    item.refresh_from_db()
    assert item.is_overdue
    actions.set_action_status(item, world.alice.user, "done")
    item.refresh_from_db()
    assert item.status == "done" and item.done_at and not item.is_overdue
    with raises("not_member"):
        actions.add_action_item(
            assessment,
            world.alice.user,
            question="two_factor",
            description="x",
            owner=world.charlie.user,  # another organisation's member
            due_on=soon,
        )
    with raises("past_due"):
        actions.add_action_item(
            assessment,
            world.alice.user,
            question="two_factor",
            description="x",
            owner=world.bob.user,
            due_on=timezone.localdate() - timedelta(days=3),
        )
    with pytest.raises(SafeguardingError):
        actions.set_action_status(item, world.alice.user, "forgotten")


def test_a_new_question_version_leaves_old_assessments_alone(world: World) -> None:
    assessment = actions.start(world.amane, world.alice.user)
    content = questions.first_version_content()
    content["questions"] = content["questions"][:-1]
    published = actions.publish_question_set(content, world.alice.user)
    assert published.version == 2 and questions.current() == published
    assessment.refresh_from_db()
    assert assessment.question_set.version == 1
    assert len(assessment.question_set.questions) == 42
