"""Upgrading forgets what the channels no longer keep (migration channels 0003): open
conversations (their words were under the server key), numbers of reporters who did not
agree to be contacted, sent outbox rows, and remembered answers; a consenting reporter's
number and the queued outbox stay, and still open."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from digiamen.channels import actions, store
from digiamen.channels.models import Conversation, InboundMessage, OutboundMessage
from digiamen.conftest import World
from digiamen.intake.models import Report

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("channels", "0002_field_workers")


@pytest.fixture(autouse=True)
def _schema_whole_afterwards() -> Iterator[None]:
    yield
    call_command("migrate", interactive=False, verbosity=0)


def _report(world: World, consent: bool) -> Report:
    from digiamen.intake import actions as intake_actions

    answers = {"harm_types": ["cyberbullying"], "country": "MA", "consent_contact": consent}
    return intake_actions.submit_report(
        answers, channel="sms", submission_id=f"m-{consent}", organisation=world.amane
    ).report


def test_upgrading_forgets_what_the_channels_no_longer_keep(world: World) -> None:
    gateway, _secret = actions.create_gateway(world.amane, name="SMS")
    agreed, refused = _report(world, True), _report(world, False)
    purpose = actions._reply_to_purpose(gateway)
    call_command("migrate", *BEFORE, interactive=False, verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldConversation = old.get_model("channels", "Conversation")
    OldOutbound = old.get_model("channels", "OutboundMessage")
    OldInbound = old.get_model("channels", "InboundMessage")
    now = timezone.now()

    def conversation(lookup: str, report: Any) -> None:
        OldConversation.objects.create(
            gateway_id=gateway.pk,
            phone_lookup=lookup,
            phone=store.seal(f"+21260000000{lookup[-1]}", purpose=purpose),
            language="fr",
            step="done" if report else "story",
            answers=b"",
            expires_at=now,
            report_id=report.pk if report else None,
        )

    conversation("open-1", None)
    conversation("agreed-2", agreed)
    conversation("refused-3", refused)
    for status in ("queued", "sent"):
        OldOutbound.objects.create(
            gateway_id=gateway.pk,
            report_id=agreed.pk,
            phone=store.seal("+212600000002", purpose=purpose),
            text=store.seal(f"text {status}", purpose=actions.OUTBOX_PURPOSE),
            status=status,
        )
    OldInbound.objects.create(gateway_id=gateway.pk, message_id="m-1", reply=b"x")

    call_command("migrate", interactive=False, verbosity=0)
    [kept] = Conversation.objects.all()
    assert kept.report_id == agreed.pk and kept.sender_lookup == "agreed-2"
    assert store.unseal(bytes(kept.reply_to), purpose=purpose) == "+212600000002"
    [queued] = actions.outgoing(gateway)
    assert queued.address == "+212600000002" and queued.text == "text queued"
    assert OutboundMessage.objects.count() == 1 and not InboundMessage.objects.exists()
