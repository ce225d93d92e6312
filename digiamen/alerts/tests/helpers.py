"""A real SMTP server on 127.0.0.1 for the alert tests, and an urgent report."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from huey import RedisHuey

from digiamen.conftest import World
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report
from digiamen.media import actions as media_actions
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image
from digiamen.tests.support import spare_redis_url

MARKERS = ("MARKER-NARRATIVE-7781", "@marker_account_7782", "marker7783@example.org")


@dataclass
class Inbox:
    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    # aiosmtpd logs each command of the conversation, addresses included: not in test output.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = inbox.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield inbox
    finally:
        controller.stop()


def known_bank(world: World) -> dict[str, Any]:
    picture = hash_image(demo_picture()).as_dict()
    bank = media_actions.create_bank(world.amane, world.alice.user, name="Known", source="test")
    media_actions.add_entries(bank, world.alice.user, [{**picture, "classification": "baseline"}])
    return picture


def urgent_report(world: World, submission_id: str, picture: dict[str, Any]) -> Report:
    """A report whose picture a bank knows (urgent), with a marker in every free field."""
    return intake_actions.submit_report(
        {
            "harm_types": ["sexual_extortion"],
            "country": "MA",
            "narrative": MARKERS[0],
            "involved_accounts": MARKERS[1],
            "contact_method": "email",
            "contact_value": MARKERS[2],
            "image_hashes": [{**picture, "hashed_on": "device"}],
        },
        channel="web",
        submission_id=submission_id,
    ).report


def plain_report(submission_id: str) -> Report:
    return intake_actions.submit_report(
        {"harm_types": ["cyberbullying"], "country": "MA", "narrative": MARKERS[0]},
        channel="web",
        submission_id=submission_id,
    ).report


def on_call_all_week(world: World, user: Any) -> None:
    """``user`` on call at every hour of every day in Amane."""
    from digiamen.alerts.models import OnCallShift

    for weekday in range(7):
        OnCallShift.objects.create(
            organisation=world.amane, user=user, weekday=weekday, start_hour=0, end_hour=24
        )


def task_on_redis(monkeypatch: pytest.MonkeyPatch, task: Any) -> Iterator[RedisHuey]:
    """``task`` moved onto a queue of its own on Redis for one test (the rest of the suite
    runs the queue in immediate mode); for a fixture to yield from."""
    # Each test's queue has a name of its own in the suite's spare Redis database.
    name = f"digiamen-test-{uuid.uuid4().hex}"
    redis_huey = RedisHuey(name=name, url=spare_redis_url(), results=False)
    redis_huey._registry.register(task.task_class)
    monkeypatch.setattr(task, "huey", redis_huey)

    @redis_huey.post_execute()
    def close_connection(*_: Any) -> None:
        # The task's own close_db leaves connections open when the project's queue is in
        # immediate mode (as in tests); the worker thread's must not outlive the test.
        connections.close_all()

    try:
        yield redis_huey
    finally:
        redis_huey.flush()
