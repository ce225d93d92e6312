"""What the channel store keeps, and for how long: the reporter's words sealed for the
organisation as they arrive, RapidPro contacts instead of numbers, a number only after
consent, the outbox until collected or its maximum age, remembered answers under the
gateway's own secret, and RapidPro replies sent by contact UUID."""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.channels import actions, rapidpro, store
from digiamen.channels.models import Conversation, Gateway, InboundMessage, OutboundMessage
from digiamen.channels.tasks import expire_conversations, send_rapidpro_outbox
from digiamen.conftest import World
from digiamen.core import crypto, encryption
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import staff_reply

PHONE = "+212698765432"
CONTACT = "0c6b2f7a-3e59-4d1c-8a2e-6f4b9d1e2c3a"
STORY = "He asks for photos every night"


def _gateway(world: World, provider: str, **extra: Any) -> tuple[Gateway, str]:
    return actions.create_gateway(world.amane, name="Texts", provider=provider, **extra)


def send(gateway: tuple[Gateway, str], text: str, *, message_id: str = "", **body: Any) -> Any:
    auth = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    if gateway[0].provider == Gateway.Provider.RAPIDPRO:
        payload = {
            "contact": {"uuid": CONTACT, "urn": f"tel:{PHONE}"},
            "input": {"text": text, "uuid": message_id, "urn": f"tel:{PHONE}"},
            **body,
        }
        return Client().post(
            f"/channels/{gateway[0].public_id}/rapidpro",
            json.dumps(payload),
            content_type="application/json",
            **auth,
        )
    return Client().post(
        f"/channels/{gateway[0].public_id}/sms",
        {"from": PHONE, "text": text, "id": message_id},
        **auth,
    )


def report_through(gateway: tuple[Gateway, str], *, consent: str = "1") -> Report:
    for text in ["hello", "2", "1", "0", "3", STORY, consent]:
        assert send(gateway, text).status_code == 200
    return Report.objects.get()


def _stored_answers(conversation: Conversation) -> Any:
    return store.unseal_json(
        bytes(conversation.answers), purpose=actions._answers_purpose(conversation.pk)
    )


@pytest.mark.parametrize("provider", Gateway.Provider.values)
def test_the_story_is_sealed_for_the_organisation_as_it_arrives(
    world: World, provider: str
) -> None:
    gateway = _gateway(world, provider)
    for text in ["hello", "2", "1", "0", "3", STORY]:
        send(gateway, text)
    conversation = Conversation.objects.get()
    assert conversation.step == "consent"
    # Under the server key: the step's choices only.
    assert set(_stored_answers(conversation)) == {"harm_types", "country", "admin1", "age_band"}
    pieces = conversation.sealed
    assert STORY not in json.dumps(pieces)
    # The casework key opens the story; the server holds no such key, nor does the
    # organisation key (held by every member) open it.
    envelope = base64.b64decode(pieces["envelope"])
    assert envelope[:4] == encryption.CASEWORK_ENVELOPE_MAGIC
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(world.amane_key, envelope[8:])
    holder = encryption.KeyRing(user=world.bob.user, private_key=world.bob.private_key)
    casework_key = holder.current_casework_private_key(world.amane)
    assert casework_key is not None
    data_key = crypto.unseal(casework_key, envelope[8:])
    record_key = encryption.RecordKey(data_key=data_key, envelope=envelope)
    narrative = record_key.decrypt_text(
        base64.b64decode(pieces["narrative"]),
        field="narrative",
        record=pieces["record"],
    )
    assert narrative == STORY
    send(gateway, "1")
    report = Report.objects.get()
    assert str(report.public_id) == pieces["record"]
    assert bytes(report.narrative) == base64.b64decode(pieces["narrative"])


def test_a_plain_gateways_number_is_kept_only_after_consent_to_be_contacted(
    world: World,
) -> None:
    gateway = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    send(gateway, "hello")
    assert bytes(Conversation.objects.get().reply_to) == b""  # not needed to converse
    report = report_through(gateway, consent="2")
    assert not report.consent_contact
    assert not Conversation.objects.exists()  # no way back kept
    assert actions.queue_reply_for_report(report, "Hello") is None
    # A later text starts a new conversation instead of reaching a counsellor.
    send(gateway, "hello")
    assert Conversation.objects.get().step == "harm"


def test_a_plain_gateways_number_is_kept_for_replies_after_consent(world: World) -> None:
    gateway = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    report = report_through(gateway)
    conversation = Conversation.objects.get()
    assert conversation.report == report and report.contact_method == "phone"
    reply_to = store.unseal(
        bytes(conversation.reply_to), purpose=actions._reply_to_purpose(gateway[0])
    )
    assert reply_to == PHONE
    assert conversation.sealed == {} and bytes(conversation.answers) == b""


def test_rapidpro_conversations_keep_the_contact_uuid_never_the_number(world: World) -> None:
    gateway = _gateway(world, Gateway.Provider.RAPIDPRO)
    report = report_through(gateway)
    conversation = Conversation.objects.get()
    assert conversation.sender_lookup == store.sender_lookup("rapidpro", CONTACT)
    assert (
        store.unseal(bytes(conversation.reply_to), purpose=actions._reply_to_purpose(gateway[0]))
        == CONTACT
    )
    assert report.contact_method == "rapidpro"
    staff_reply(world, report, "We read your message.")
    outbox = Client().get(
        f"/channels/{gateway[0].public_id}/outbox", HTTP_AUTHORIZATION=f"Token {gateway[1]}"
    )
    [message] = outbox.json()["messages"]
    assert message["contact"] == CONTACT and "to" not in message
    assert PHONE not in outbox.content.decode()


def test_the_rapidpro_webhook_needs_the_contact_uuid_and_never_takes_the_urn(
    world: World,
) -> None:
    gateway = _gateway(world, Gateway.Provider.RAPIDPRO)
    url = f"/channels/{gateway[0].public_id}/rapidpro"
    auth = {"HTTP_AUTHORIZATION": f"Token {gateway[1]}"}
    bodies = [
        {"contact": {"urn": f"tel:{PHONE}"}, "input": {"text": "hello"}},  # a URN only
        {"urn": f"tel:{PHONE}", "text": "hello"},
        {"contact": {"uuid": "c-1", "urn": f"tel:{PHONE}"}, "input": {"text": "hello"}},
        {"contact": {"uuid": CONTACT}, "input": {"text": 5}},
        {"contact": {"uuid": CONTACT}, "input": {"text": "x" * 2000}},
    ]
    for body in bodies:
        response = Client().post(url, json.dumps(body), content_type="application/json", **auth)
        assert response.status_code == 400, body
        assert response.json()["error"]
    for raw in ("{nope", "[1]", b"\xff\xfe"):
        response = Client().post(url, raw, content_type="application/json", **auth)
        assert response.status_code == 400
    assert not Conversation.objects.exists() and not InboundMessage.objects.exists()
    french = Client().post(
        url,
        json.dumps({"contact": {"urn": f"tel:{PHONE}"}, "input": {"text": "hello"}}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
        **auth,
    )
    assert french.status_code == 400
    assert french.json()["error"] == "Un message doit comporter l'UUID du contact et un texte."


def test_each_gateway_takes_messages_only_at_its_own_address(world: World) -> None:
    sms = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    rapid = _gateway(world, Gateway.Provider.RAPIDPRO)
    wrong_sms = Client().post(
        f"/channels/{rapid[0].public_id}/sms",
        {"from": PHONE, "text": "hello"},
        HTTP_AUTHORIZATION=f"Token {rapid[1]}",
    )
    wrong_rapidpro = Client().post(
        f"/channels/{sms[0].public_id}/rapidpro",
        json.dumps({"contact": {"uuid": CONTACT}, "input": {"text": "hello"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {sms[1]}",
    )
    assert wrong_sms.status_code == 404
    assert "does not take messages at this address" in wrong_sms.content.decode()
    assert wrong_rapidpro.status_code == 404 and wrong_rapidpro.json()["error"]
    assert not Conversation.objects.exists()


def test_an_uncollected_outbox_message_is_deleted_after_its_maximum_age(
    world: World, settings: Any
) -> None:
    settings.CHANNEL_OUTBOX_MAX_AGE_HOURS = 48
    gateway = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    report = report_through(gateway)
    old = actions.queue_reply_for_report(report, "Old reply")
    fresh = actions.queue_reply_for_report(report, "Fresh reply")
    assert old is not None and fresh is not None
    OutboundMessage.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    OutboundMessage.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - timedelta(hours=47)
    )
    expire_conversations.call_local()
    assert list(OutboundMessage.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert Report.objects.filter(pk=report.pk).exists()  # the mailbox keeps its copy
    settings.CHANNEL_OUTBOX_MAX_AGE_HOURS = 24
    expire_conversations.call_local()
    assert not OutboundMessage.objects.exists()


def test_a_collected_outbox_message_is_deleted_at_once(world: World) -> None:
    gateway = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    report = report_through(gateway)
    first = actions.queue_reply_for_report(report, "One")
    second = actions.queue_reply_for_report(report, "Two")
    assert first is not None and second is not None
    assert actions.mark_sent(gateway[0], [first.pk]) == 1
    assert list(OutboundMessage.objects.values_list("pk", flat=True)) == [second.pk]
    other = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    assert actions.mark_sent(other[0], [second.pk]) == 0  # not another gateway's


def test_remembered_answers_are_sealed_under_the_gateways_own_secret(world: World) -> None:
    gateway = _gateway(world, Gateway.Provider.SMS_GATEWAY)
    first = send(gateway, "hello", message_id="r-1")
    seen = InboundMessage.objects.get()
    with pytest.raises(crypto.DecryptionError):  # the server key does not open it
        store.unseal_json(bytes(seen.reply), purpose="channels:reply")
    assert send(gateway, "hello", message_id="r-1").content == first.content
    # A new secret: a retry under it changes nothing and repeats nothing.
    new_secret = actions.rotate_secret(gateway[0], None)
    again = send((gateway[0], new_secret), "hello", message_id="r-1")
    assert again.status_code == 200 and "<Message>" not in again.content.decode()
    assert Conversation.objects.get().step == "harm"


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


def test_rapidpro_replies_are_sent_to_the_contact_uuid_through_its_api(
    world: World, monkeypatch: Any
) -> None:
    gateway = _gateway(
        world,
        Gateway.Provider.RAPIDPRO,
        rapidpro_url="https://rapidpro.example.org/",
        rapidpro_token="rp-token-123",
    )
    assert b"rp-token-123" not in bytes(Gateway.objects.get().rapidpro_token)
    report = report_through(gateway)
    staff_reply(world, report, "A counsellor writes back.")
    requests: list[Any] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        requests.append(request)
        return FakeResponse(201)

    monkeypatch.setattr(rapidpro.urllib.request, "urlopen", urlopen)
    assert send_rapidpro_outbox.call_local() == 1
    [request] = requests
    assert request.full_url == "https://rapidpro.example.org/api/v2/broadcasts.json"
    assert request.get_header("Authorization") == "Token rp-token-123"
    body = json.loads(request.data)
    assert body == {"contacts": [CONTACT], "text": "A counsellor writes back."}
    assert "urns" not in body
    assert not OutboundMessage.objects.exists()


def test_a_rapidpro_reply_that_fails_waits_and_logs_nothing_of_it(
    world: World, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = _gateway(
        world,
        Gateway.Provider.RAPIDPRO,
        rapidpro_url="https://rapidpro.example.org",
        rapidpro_token="rp-token-123",
    )
    report = report_through(gateway)
    staff_reply(world, report, "Secret words of the counsellor.")

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        raise urllib.error.URLError("unreachable")

    monkeypatch.setattr(rapidpro.urllib.request, "urlopen", urlopen)
    caplog.set_level(logging.DEBUG)
    assert send_rapidpro_outbox.call_local() == 0
    assert OutboundMessage.objects.count() == 1
    assert "Secret words" not in caplog.text and CONTACT not in caplog.text
    assert "rp-token-123" not in caplog.text


def test_a_rapidpro_gateway_without_its_api_leaves_the_outbox_to_be_collected(
    world: World, monkeypatch: Any
) -> None:
    gateway = _gateway(world, Gateway.Provider.RAPIDPRO)
    report = report_through(gateway)
    staff_reply(world, report, "Hello again.")
    monkeypatch.setattr(rapidpro.urllib.request, "urlopen", pytest.fail)
    assert send_rapidpro_outbox.call_local() == 0
    assert OutboundMessage.objects.count() == 1


def test_rapidpro_takes_long_replies_in_parts_and_a_refused_one_does_not_block_the_rest(
    world: World, monkeypatch: Any
) -> None:
    gateway = _gateway(
        world,
        Gateway.Provider.RAPIDPRO,
        rapidpro_url="https://rapidpro.example.org",
        rapidpro_token="rp-token-123",
    )
    report = report_through(gateway)
    refused = actions.queue_reply_for_report(report, "refused")
    long = actions.queue_reply_for_report(report, "a" * 700)
    assert refused is not None and long is not None
    texts: list[str] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        text = json.loads(request.data)["text"]
        if text == "refused":
            raise urllib.error.HTTPError(request.full_url, 400, "Bad Request", {}, None)  # type: ignore[arg-type]
        texts.append(text)
        return FakeResponse(201)

    monkeypatch.setattr(rapidpro.urllib.request, "urlopen", urlopen)
    assert send_rapidpro_outbox.call_local() == 1
    assert [len(t) for t in texts] == [640, 60]
    assert list(OutboundMessage.objects.values_list("pk", flat=True)) == [refused.pk]
