"""The alert's e-mail goes through the production queue: Huey on a real Redis, a real
consumer's worker thread, a real SMTP server. The rest of the suite runs the queue in
immediate mode; this test is the one that shows the task survives serialisation, is picked
up by a consumer and sends once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from huey import RedisHuey
from huey.consumer import Consumer

from digiamen.alerts import actions, queue
from digiamen.alerts.models import AlertDelivery
from digiamen.alerts.tests.helpers import (
    MARKERS,
    Inbox,
    known_bank,
    on_call_all_week,
    smtp_server,
    task_on_redis,
    urgent_report,
)
from digiamen.conftest import World

__all__ = ["smtp_server"]


@pytest.fixture
def redis_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisHuey]:
    """The delivery task moved onto a queue of its own on Redis, for this test only."""
    yield from task_on_redis(monkeypatch, queue.deliver_alert)


def _wait_for(condition: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.needs("redis")
def test_an_urgent_alert_is_sent_by_a_consumer_reading_the_queue_from_redis(
    transactional_db: Any, world: World, smtp_server: Inbox, redis_queue: RedisHuey
) -> None:
    on_call_all_week(world, world.bob.user)
    actions.save_preferences(
        world.bob.user,
        email="bob@example.org",
        channels={"new_report": ["in_app", "email"]},
        quiet_from=0,
        quiet_to=0,
    )
    urgent_report(world, "redis-1", known_bank(world))

    # The report committed; its alert's e-mail waits on Redis, not yet sent.
    email = AlertDelivery.objects.get(channel="email")
    assert email.status == "queued" and email.attempts == 0
    assert redis_queue.pending_count() == 1
    assert smtp_server.messages == []
    # What waits on Redis is the delivery's id: nothing of the report, nor the address.
    storage = redis_queue.storage
    waiting = b"".join(storage.conn.lrange(storage.queue_key, 0, -1))
    for secret in (*MARKERS, "bob@example.org"):
        assert secret.encode() not in waiting

    consumer = Consumer(redis_queue, workers=1, periodic=False, initial_delay=0.05)
    consumer.start()
    try:
        assert _wait_for(lambda: len(smtp_server.messages) == 1)
        assert _wait_for(lambda: AlertDelivery.objects.get(pk=email.pk).status == "sent")
    finally:
        consumer.stop(graceful=True)

    assert redis_queue.pending_count() == 0
    email.refresh_from_db()
    assert email.attempts == 1 and email.sent_at is not None
    recipients, message = smtp_server.messages[0]
    assert recipients == ["bob@example.org"]
    for marker in MARKERS:
        assert marker not in str(message)
