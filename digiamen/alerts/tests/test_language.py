"""Each member's e-mails and texts in the language they chose; without a choice, the
organisation's first language."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation

from digiamen.alerts import actions, texts
from digiamen.alerts.tests.helpers import Inbox, plain_report, smtp_server
from digiamen.channels import actions as channel_actions
from digiamen.conftest import World

__all__ = ["smtp_server"]


def test_each_member_gets_emails_and_texts_in_their_own_language(
    world: World, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    gateway, secret = channel_actions.create_gateway(world.amane, name="SMS")
    members = {
        "bob": (world.bob, "fr"),
        "sara": (world.add_member("sara", world.amane, "supervisor"), "en"),
        "omar": (world.add_member("omar", world.amane, "caseworker"), "ar"),
        "nadia": (world.add_member("nadia", world.amane, "caseworker"), ""),
    }
    phones = {}
    for index, (name, (member, language)) in enumerate(sorted(members.items())):
        phones[f"+21260000010{index}"] = name
        actions.save_preferences(
            member.user,
            email=f"{name}@example.org",
            channels={"new_report": ["in_app", "email", "sms"]},
            quiet_from=0,
            quiet_to=0,
            phone=f"+21260000010{index}",
            language=language,
        )
    with django_capture_on_commit_callbacks(execute=True):
        plain_report("languages")  # nobody on call: the whole team

    expected = {"bob": "fr", "sara": "en", "omar": "ar", "nadia": "ar"}  # Amane: ar first
    by_address = {to[0]: message for to, message in smtp_server.messages}
    assert len(by_address) == 4
    for name, language in expected.items():
        message = by_address[f"{name}@example.org"]
        assert message["Content-Language"] == language
        body = message.get_content()
        assert f"/{language}/staff/login/" in body
        with translation.override(language):
            assert texts.headline("new_report", False, "Amane") in body
            assert str(message["Subject"]).strip() == texts.subject("new_report", False)

    outbox = (
        Client()
        .get(f"/channels/{gateway.public_id}/outbox", HTTP_AUTHORIZATION=f"Token {secret}")
        .json()["messages"]
    )
    assert len(outbox) == 4
    headlines = {}
    for language in ("ar", "fr", "en"):
        with translation.override(language):
            headlines[language] = texts.headline("new_report", False, "Amane")
    assert len(set(headlines.values())) == 3  # three languages, three texts
    for message in outbox:
        assert message["text"] == headlines[expected[phones[message["to"]]]]
