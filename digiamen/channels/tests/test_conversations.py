"""Text-message reports through a gateway: a whole conversation in Arabic (RapidPro style)
and in French (form POST), the counsellor's reply in the outbox, stop words, retries,
reordered and abandoned conversations, and bad requests."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.channels import actions
from digiamen.channels.models import Conversation, Gateway, InboundMessage, OutboundMessage
from digiamen.channels.tasks import expire_conversations
from digiamen.conftest import World
from digiamen.core.taxonomy import HarmType
from digiamen.intake.models import Message, Report
from digiamen.intake.tests.helpers import staff_reply

PHONE = "+212612345678"
CONTACT = "5d3c1a4e-8f0b-4c7e-9a51-2b6f0e9d7c13"


@pytest.fixture
def gateway(world: World) -> tuple[Gateway, str]:
    world.amane.languages = ["ar", "fr"]
    world.amane.save()
    return actions.create_gateway(world.amane, name="SMS")


@pytest.fixture
def rapidpro_gateway(world: World) -> tuple[Gateway, str]:
    world.amane.languages = ["ar", "fr"]
    world.amane.save()
    return actions.create_gateway(world.amane, name="RapidPro", provider=Gateway.Provider.RAPIDPRO)


def rapidpro(
    gateway: tuple[Gateway, str], text: str, *, message_id: str = "", created_on: str = ""
) -> Any:
    body = {
        "contact": {"uuid": CONTACT, "urn": f"tel:{PHONE}"},
        "flow": {"name": "report"},
        "input": {"text": text, "uuid": message_id, "created_on": created_on},
    }
    return Client().post(
        f"/channels/{gateway[0].public_id}/rapidpro",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {gateway[1]}",
    )


def form(gateway: tuple[Gateway, str], text: str, **extra: str) -> Any:
    return Client().post(
        f"/channels/{gateway[0].public_id}/sms",
        {"from": PHONE, "text": text, **extra},
        HTTP_AUTHORIZATION=f"Token {gateway[1]}",
    )


def test_a_whole_conversation_in_arabic_through_rapidpro(
    world: World, rapidpro_gateway: Any
) -> None:
    gateway = rapidpro_gateway
    first = rapidpro(gateway, "مرحبا")
    assert first.status_code == 200
    intro, harm_question = first.json()["messages"]
    assert re.search("[\u0600-\u06ff]", intro) and "STOP" in intro
    assert "1." in harm_question and re.search("[\u0600-\u06ff]", harm_question)
    for text in ["1 3", "١", "2", "3", "يهددني بنشر صوري", "1"]:
        response = rapidpro(gateway, text)
        assert response.status_code == 200, response.content
    data = response.json()
    assert data["done"] is True
    report = Report.objects.get()
    assert report.channel == "sms" and report.organisation == world.amane
    assert report.harm_types == [HarmType.values[0], HarmType.values[2]]
    assert report.country == "MA" and report.admin1 and report.age_band
    assert report.consent_contact and report.contact_method == "rapidpro"
    receipt = data["messages"][0]
    assert any(ch.isdigit() for ch in receipt)
    assert not Conversation.objects.filter(report__isnull=True).exists()
    conversation = Conversation.objects.get()
    # The way back is the RapidPro contact, never the number.
    assert (
        actions.store.unseal(
            bytes(conversation.reply_to), purpose=actions._reply_to_purpose(gateway[0])
        )
        == CONTACT
    )


def test_a_conversation_by_form_post_and_the_counsellors_reply_in_the_outbox(
    world: World, gateway: Any
) -> None:
    first = form(gateway, "bonjour")
    assert first.status_code == 200 and first["Content-Type"].startswith("text/xml")
    assert "<Message>" in first.content.decode()
    for text in ["2", "1", "0", "3", "Il me menace.", "1"]:
        assert form(gateway, text).status_code == 200
    report = Report.objects.get()
    assert report.channel == "sms" and report.admin1 == ""
    staff_reply(world, report, "Bonjour, nous sommes là. Pouvez-vous parler ce soir ?")
    headers = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    outbox = Client().get(f"/channels/{gateway[0].public_id}/outbox", **headers).json()
    [message] = outbox["messages"]
    assert message["to"] == PHONE and message["text"].startswith("Bonjour, nous sommes là")
    stored = OutboundMessage.objects.get()
    assert PHONE.encode() not in bytes(stored.reply_to) and b"Bonjour" not in bytes(stored.text)
    response = Client().post(
        f"/channels/{gateway[0].public_id}/outbox",
        json.dumps({"sent": [message["id"]]}),
        content_type="application/json",
        **headers,
    )
    assert response.json() == {"marked": 1}
    # Collected: deleted, number and text.
    assert not OutboundMessage.objects.exists()
    assert Client().get(f"/channels/{gateway[0].public_id}/outbox", **headers).json() == {
        "messages": []
    }
    # The child answers by text: the message reaches the counsellor.
    assert "<Message>" in form(gateway, "Oui, ce soir.").content.decode()
    assert Message.objects.filter(report=report, direction="from_reporter").exists()


@pytest.mark.parametrize("word", ["STOP", "قف", "arrêt", "Arret"])
def test_stop_words_end_the_conversation_and_delete_the_answers(
    world: World, gateway: Any, word: str
) -> None:
    form(gateway, "hello")
    form(gateway, "1")
    assert Conversation.objects.count() == 1
    response = form(gateway, word)
    assert response.status_code == 200
    assert not Conversation.objects.exists() and not Report.objects.exists()


def test_a_retried_message_changes_nothing(world: World, rapidpro_gateway: Any) -> None:
    gateway = rapidpro_gateway
    rapidpro(gateway, "hello", message_id="m-1")
    first = rapidpro(gateway, "1", message_id="m-2")
    again = rapidpro(gateway, "1", message_id="m-2")
    assert first.json() == again.json()
    assert Conversation.objects.get().step == "country"
    assert InboundMessage.objects.count() == 2


def test_a_message_older_than_the_last_is_ignored(world: World, rapidpro_gateway: Any) -> None:
    gateway = rapidpro_gateway
    now = timezone.now()
    rapidpro(gateway, "hello", created_on=now.isoformat())
    rapidpro(gateway, "1", created_on=(now + timedelta(seconds=5)).isoformat())
    late = rapidpro(gateway, "2", created_on=(now + timedelta(seconds=2)).isoformat())
    assert late.status_code == 409 and late.json()["messages"]
    assert Conversation.objects.get().step == "country"


def test_an_abandoned_conversation_expires_and_leaves_nothing(world: World, gateway: Any) -> None:
    form(gateway, "hello")
    form(gateway, "1")
    Conversation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_conversations.call_local() == 1
    assert not Conversation.objects.exists()
    form(gateway, "hello")
    form(gateway, "1")
    Conversation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = form(gateway, "2")  # arrives after expiry: a new conversation starts
    assert response.status_code == 200
    assert Conversation.objects.get().step == "harm"


def test_wrong_answers_repeat_the_question(world: World, gateway: Any) -> None:
    form(gateway, "hello")
    response = form(gateway, "99")
    assert response.status_code == 200 and "Sorry" in response.content.decode()
    assert Conversation.objects.get().step == "harm"


def test_bad_requests_get_a_clear_answer_and_store_nothing(world: World, gateway: Any) -> None:
    url = f"/channels/{gateway[0].public_id}"
    auth = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    cases = [
        (Client().post("/channels/not-a-uuid/sms", {"from": PHONE, "text": "x"}, **auth), 404),
        (Client().post(f"/channels/{gateway[0].public_id.hex[::-1]}/sms", {}, **auth), 404),
        (Client().post(f"{url}/sms", {"from": PHONE, "text": "x"}), 401),
        (
            Client().post(
                f"{url}/sms", {"from": PHONE, "text": "x"}, HTTP_AUTHORIZATION="Token no"
            ),
            401,
        ),
        (Client().post(f"{url}/sms", {"text": "x"}, **auth), 400),
        (Client().post(f"{url}/sms", {"from": "hello", "text": "x"}, **auth), 400),
        (Client().post(f"{url}/sms", {"from": PHONE, "text": "x" * 2000}, **auth), 400),
        # A plain SMS gateway takes no RapidPro webhook.
        (Client().post(f"{url}/rapidpro", "{}", content_type="application/json", **auth), 404),
        (Client().post(f"{url}/outbox", "{}", content_type="application/json", **auth), 400),
        (Client().get(f"{url}/sms", **auth), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.status_code, response.content[:200])
    assert not Conversation.objects.exists() and not InboundMessage.objects.exists()


def test_a_disabled_gateway_is_unknown(world: World, gateway: Any) -> None:
    Gateway.objects.update(is_active=False)
    assert form(gateway, "hello").status_code == 404


def test_the_demo_gateway_answers_with_its_secret(tmp_path: Any, db: Any) -> None:
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
        data = json.loads((tmp_path / "demo-credentials.json").read_text())
    [demo] = data["gateways"]
    gateway = Gateway.objects.get(public_id=demo["id"])
    assert gateway.organisation.slug == demo["organisation"]
    response = form((gateway, demo["secret"]), "hello")
    assert response.status_code == 200 and "<Message>" in response.content.decode()


def test_a_collision_rolls_the_message_back_and_tries_again(
    world: World, gateway: Any, monkeypatch: Any
) -> None:
    """A unique-constraint collision (a racing delivery) undoes everything, then retries."""
    form(gateway, "hello", id="m-1")
    real_converse = actions._converse
    calls = []

    def colliding(*args: Any, **kwargs: Any) -> Any:
        answer = real_converse(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # the first try collides with a row of the same message id
            InboundMessage.objects.create(gateway=gateway[0], message_id="m-2", reply=b"")
        return answer

    monkeypatch.setattr(actions, "_converse", colliding)
    response = form(gateway, "1", id="m-2")
    assert response.status_code == 200 and "1." in response.content.decode()
    assert len(calls) == 2
    assert Conversation.objects.get().step == "country"
    assert InboundMessage.objects.filter(message_id="m-2").count() == 1


def test_whatsapp_gateways_make_whatsapp_reports(world: World) -> None:
    whatsapp = actions.create_gateway(world.amane, name="WA", kind=Gateway.Kind.WHATSAPP)
    for text in ["hello", "2", "1", "0", "4", "0", "2"]:
        response = form(whatsapp, text)
        assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == "whatsapp" and not report.consent_contact
    assert report.contact_method == "receipt"


def test_a_reporters_number_is_forgotten_after_the_follow_up_period(
    world: World, gateway: Any
) -> None:
    for text in ["hello", "1", "1", "0", "3", "0", "1"]:
        form(gateway, text)
    report = Report.objects.get()
    Conversation.objects.update(created_at=timezone.now() - timedelta(days=31))
    assert expire_conversations.call_local() == 1
    assert not Conversation.objects.exists()
    assert actions.queue_reply_for_report(report, "Hello") is None


def test_a_flooding_number_is_slowed_down(world: World, gateway: Any, settings: Any) -> None:
    settings.CHANNEL_MESSAGES_PER_HOUR = 3
    for text in ["hello", "1", "1"]:
        assert form(gateway, text).status_code == 200
    refused = form(gateway, "2")
    assert refused.status_code == 429 and "<Message>" in refused.content.decode()
    assert Conversation.objects.get().step == "area"


def test_remembered_answers_holding_the_receipt_are_kept_a_day_only(
    world: World, gateway: Any
) -> None:
    for number, text in enumerate(["hello", "1", "1", "0", "3", "0", "1"]):
        form(gateway, text, id=f"r-{number}")
    assert InboundMessage.objects.count() == 7
    InboundMessage.objects.update(created_at=timezone.now() - timedelta(days=2))
    expire_conversations.call_local()
    assert not InboundMessage.objects.exists()
    assert Report.objects.count() == 1
