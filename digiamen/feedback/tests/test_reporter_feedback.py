"""The reporter answers a few questions once the help is over; the answer is kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import models
from django.test import Client

from digiamen.conftest import World
from digiamen.core.models import AuditEvent
from digiamen.feedback.models import OWN_HELP, Answer
from digiamen.feedback.tests.helpers import (
    ANSWERS,
    close,
    completed_referral,
    reported,
    visit,
)
from digiamen.intake.models import Report

OFFER = "How was the help you got?"


def _questions(client: Client, token: str, language: str = "en", **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"/{language}/followup/feedback/", {"token": token, **data})


def test_a_closed_case_offers_the_questions_once_and_the_answer_is_kept_apart(
    world: World,
) -> None:
    receipt, case = reported()
    close(world, case)
    reporter = Client()
    html, token = visit(reporter, receipt, "ar")
    assert "كيف كانت المساعدة التي حصلت عليها؟" in html

    questions = _questions(reporter, token, "ar", step="open")
    assert questions.status_code == 200
    assert 'name="listened"' in questions.content.decode()
    assert len(questions.content) < 20_000  # a cheap phone on a slow line
    assert not reporter.cookies
    words = "شكرا، ساعدتني المستشارة كثيرا"
    sent = _questions(reporter, token, "ar", step="send", words=words, **ANSWERS)
    assert sent.status_code == 200, sent.content.decode()[-1500:]
    assert "لن نسألك مرة أخرى" not in sent.content.decode()

    answer = Answer.objects.get()
    assert answer.organisation == case.organisation
    assert (answer.service_type, answer.service, answer.harm_type) == (
        OWN_HELP,
        None,
        "sexual_extortion",
    )
    assert answer.month == datetime.now(UTC).date().replace(day=1)
    assert (answer.listened, answer.helped, answer.recommend) == ("yes", "partly", "yes")
    assert words.encode() not in bytes(answer.sealed_words)
    assert bytes(answer.sealed_words)
    assert Report.objects.get(pk=case.report_id).feedback_done

    # Asked once: the follow-up page no longer offers the questions, a second answer is
    # refused and stores nothing.
    html, token = visit(Client(), receipt)
    assert OFFER not in html
    again = _questions(Client(), token, step="send", **ANSWERS)
    assert again.status_code == 400
    assert "already answered" in again.content.decode()
    assert Answer.objects.count() == 1


def test_nothing_ties_an_answer_to_its_case(world: World) -> None:
    """No foreign key to a report or case, no moment finer than the month, a random key,
    and no audit row that would date the answer."""
    fields = {field.name: field for field in Answer._meta.get_fields()}
    for field in fields.values():
        if field.is_relation:
            assert field.related_model._meta.label in (  # type: ignore[union-attr]
                "accounts.Organisation",
                "directory.Service",
            ), field.name
        assert not isinstance(field, models.DateTimeField), field.name
    assert isinstance(fields["id"], models.UUIDField)

    receipt, case = reported()
    close(world, case)
    before = AuditEvent.objects.count()
    reporter = Client()
    _html, token = visit(reporter, receipt)
    events = AuditEvent.objects.count()
    _questions(reporter, token, step="send", **ANSWERS)
    assert AuditEvent.objects.count() == events
    assert events >= before


def test_a_completed_referral_is_rated_while_the_case_is_open(world: World) -> None:
    receipt, case = reported()
    referral = completed_referral(world, case)
    reporter = Client()
    html, token = visit(reporter, receipt)
    assert OFFER in html
    assert _questions(reporter, token, step="send", **ANSWERS).status_code == 200
    answer = Answer.objects.get()
    assert (answer.service, answer.service_type) == (referral.service, "psychosocial_support")


def test_an_open_case_offers_nothing_and_refuses_an_answer(world: World) -> None:
    receipt, _case = reported()
    reporter = Client()
    html, token = visit(reporter, receipt)
    assert OFFER not in html
    assert _questions(reporter, token, step="open").status_code == 400
    refused = _questions(reporter, token, "fr", step="send", **ANSWERS)
    assert refused.status_code == 400
    assert (
        "Reviens plus tard" in refused.content.decode() or "plus tard" in refused.content.decode()
    )
    assert not Answer.objects.exists()
    assert not Report.objects.get().feedback_done


def test_the_reporter_may_say_no_and_is_not_asked_again(world: World) -> None:
    receipt, case = reported()
    close(world, case)
    reporter = Client()
    _html, token = visit(reporter, receipt)
    skipped = _questions(reporter, token, step="skip")
    assert skipped.status_code == 200
    assert "We will not ask you again" in skipped.content.decode()
    assert not Answer.objects.exists()
    html, token = visit(Client(), receipt)
    assert OFFER not in html
    assert _questions(Client(), token, step="send", **ANSWERS).status_code == 400
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisis une réponse"),
        ({**ANSWERS, "listened": "maybe"}, "Sélectionnez un choix valide"),
        ({**ANSWERS, "helped": ""}, "Choisis une réponse"),
        ({**ANSWERS, "words": "x" * 501}, "500"),
        ({**ANSWERS, "words": "appelle \u202emoc.enilpleh"}, "invisibles"),
        ({**ANSWERS, "words": "\x00"}, ""),
    ],
)
def test_bad_answers_are_refused_with_a_message_and_store_nothing(
    world: World, data: dict[str, str], message: str
) -> None:
    receipt, case = reported()
    close(world, case)
    reporter = Client()
    _html, token = visit(reporter, receipt)
    refused = _questions(reporter, token, "fr", step="send", **data)
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert not Answer.objects.exists()
    assert not Report.objects.get(pk=case.report_id).feedback_done


def test_an_ended_visit_or_another_site_is_refused(world: World) -> None:
    receipt, case = reported()
    close(world, case)
    assert _questions(Client(), "nope.nope", step="send", **ANSWERS).status_code == 400
    reporter = Client()
    _html, token = visit(reporter, receipt)
    cross = reporter.post(
        "/en/followup/feedback/",
        {"token": token, "step": "send", **ANSWERS},
        HTTP_ORIGIN="https://evil.example",
    )
    assert cross.status_code == 403
    assert reporter.get("/en/followup/feedback/").status_code == 405
    assert not Answer.objects.exists()


def test_back_to_the_messages_with_the_visit_token(world: World) -> None:
    receipt, case = reported()
    close(world, case)
    reporter = Client()
    _html, token = visit(reporter, receipt)
    _questions(reporter, token, step="skip")
    back = reporter.post("/en/followup/conversation/", {"token": token})
    assert back.status_code == 200
    assert "Your messages" in back.content.decode()
    assert reporter.post("/en/followup/conversation/", {"token": "x.y"}).status_code == 400
