"""The questions by text message: offered when the help is over, answered by digits, the
answer stored apart; other words still reach the counsellor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from digiamen.channels.models import Conversation, OutboundMessage
from digiamen.channels.tests.test_conversations import PHONE, form, gateway
from digiamen.conftest import World
from digiamen.feedback import texts
from digiamen.feedback.models import OWN_HELP, Answer, TextQuestions
from digiamen.feedback.tests.helpers import close, completed_referral
from digiamen.intake.models import Message, Report

__all__ = ["gateway"]  # the fixture, imported for these tests


def _report_by_text(gateway: Any) -> Report:
    for text in ["bonjour", "2", "1", "0", "3", "Il me menace.", "1"]:
        assert form(gateway, text).status_code == 200
    return Report.objects.get(channel="sms")


def _outbox(gateway: Any) -> list[str]:
    headers = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    data = Client().get(f"/channels/{gateway[0].public_id}/outbox", **headers).json()
    return [message["text"] for message in data["messages"] if message["to"] == PHONE]


def _reply(gateway: Any, text: str) -> str:
    response = form(gateway, text)
    assert response.status_code == 200
    return response.content.decode()


def test_a_closed_case_asks_by_text_and_digits_answer(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    report = _report_by_text(gateway)
    with django_capture_on_commit_callbacks(execute=True):
        close(world, report.case)
    [offer] = _outbox(gateway)
    assert offer.startswith("L'aide que tu as demandée est terminée")
    assert "1 pour oui" in offer
    assert PHONE.encode() not in bytes(OutboundMessage.objects.get().reply_to)

    # Other words still go to the counsellor; the questions stay open.
    _reply(gateway, "Merci pour tout")
    assert Message.objects.filter(report=report, direction="from_reporter").count() == 1
    assert "Tu as reçu l'aide" in _reply(gateway, "١")  # an Arabic-Indic digit answers too
    assert "un ami" in _reply(gateway, "2")
    assert "Merci" in _reply(gateway, "1")
    answer = Answer.objects.get()
    assert (answer.listened, answer.helped, answer.recommend) == ("yes", "partly", "yes")
    assert answer.service_type == OWN_HELP and answer.organisation == report.organisation
    assert not TextQuestions.objects.exists()
    assert Report.objects.get(pk=report.pk).feedback_done
    # Asked once: a digit now is a message for the counsellor, and no second offer goes out.
    _reply(gateway, "3")
    assert Answer.objects.count() == 1
    assert not texts.offer(report)


def test_zero_declines_and_nothing_is_stored(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    report = _report_by_text(gateway)
    with django_capture_on_commit_callbacks(execute=True):
        completed = completed_referral(world, report.case)
        # The referral's answer is what sends the offer (the helper stores it directly).
        from digiamen.core import signals
        from digiamen.referrals.models import Referral

        signals.referral_answered.send(sender=Referral, referral=completed, status="completed")
    assert len(_outbox(gateway)) == 1
    _reply(gateway, "1")
    assert "ne te le demanderons plus" in _reply(gateway, "0")
    assert not Answer.objects.exists() and not TextQuestions.objects.exists()
    assert Report.objects.get(pk=report.pk).feedback_done


def test_no_offer_without_a_way_back_or_after_the_follow_up_period(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    report = _report_by_text(gateway)
    Conversation.objects.filter(report=report).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        close(world, report.case)
    assert _outbox(gateway) == [] and not TextQuestions.objects.exists()


def test_a_web_report_gets_no_text_and_unanswered_questions_expire(
    world: World, gateway: Any
) -> None:
    from digiamen.feedback.tests.helpers import reported

    _receipt, case = reported()
    assert not texts.offer(case.report)
    report = _report_by_text(gateway)
    TextQuestions.objects.create(
        report=report, language="fr", listened="yes", expires_at=timezone.now()
    )
    assert texts.expire() == 1
    assert not TextQuestions.objects.exists()
