"""Intake under a surge (budgets issue): Argon2id derivations never queue without limit in
request threads; a request that finds every slot taken is told to come back (503,
Retry-After) and nothing is written."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.test import Client

from digiamen.conftest import World
from digiamen.core import crypto
from digiamen.intake.models import Draft, Report
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, walk


def test_report_when_every_kdf_slot_is_taken_is_told_to_come_back(
    world: World, settings: Any
) -> None:
    settings.KDF_CONCURRENCY = 1
    settings.KDF_WAIT_SECONDS = 0.05
    body = json.dumps({"harm_types": ["cyberbullying"], "country": "MA"})
    before = Report.objects.count()
    with crypto.kdf_slot():  # another request is deriving its receipt
        answer = Client().post(
            "/api/v1/reports", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
        )
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert "Réessayez" in answer.json()["detail"]
    assert Report.objects.count() == before
    # With the slot free again, the same report goes through.
    again = Client().post("/api/v1/reports", body, content_type="application/json")
    assert again.status_code == 201


def test_staff_sign_in_when_every_kdf_slot_is_taken_gets_a_page(
    world: World, settings: Any
) -> None:
    settings.KDF_CONCURRENCY = 1
    settings.KDF_WAIT_SECONDS = 0.05
    with crypto.kdf_slot():
        answer = Client().post(
            "/ar/staff/login/", {"username": "bob", "password": world.bob.password}
        )
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    assert 'dir="rtl"' in answer.content.decode()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_report_form_when_every_kdf_slot_is_taken_keeps_what_was_typed(
    client: Client, world: World, settings: Any, language: str
) -> None:
    """A child pressing Send during a surge gets the review page back, answers and Send
    button included, with a word of why: not an error page, and nothing written."""
    settings.KDF_CONCURRENCY = 1
    settings.KDF_WAIT_SECONDS = 0.05
    path = f"/{language}/report/"
    review = walk(client, path, send=False).content.decode()
    draft = hidden(review, "draft")
    before = Report.objects.count()
    with crypto.kdf_slot():
        answer = client.post(path, {"draft": draft, "action": "send"})
    page = answer.content.decode()
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(crypto.KdfBusy.retry_after_seconds)
    assert 'class="notice" role="alert"' in page
    assert STEP_ANSWERS[4]["narrative"] in page  # the review shows what was typed
    assert hidden(page, "draft") == draft and 'value="send"' in page
    assert ('dir="rtl"' in page) == (language == "ar")
    assert Report.objects.count() == before
    assert not Draft.objects.filter(submitted_at__isnull=False).exists()
    # Pressing Send again once a slot is free sends the same report, once.
    again = client.post(path, {"draft": draft, "action": "send"})
    assert again.status_code == 201
    assert Report.objects.count() == before + 1


@pytest.mark.parametrize(("threads", "slots"), [(6, 2), (24, 1), (24, 3)])
def test_kdf_slots_bound_concurrent_derivations(
    settings: Any, monkeypatch: pytest.MonkeyPatch, threads: int, slots: int
) -> None:
    """Many threads derive at once: never more than KDF_CONCURRENCY inside Argon2id (the
    memory bound) whatever the thread count, and every one gets its key."""
    settings.KDF_CONCURRENCY = slots
    settings.KDF_QUEUE = threads
    settings.KDF_WAIT_SECONDS = 30
    inside, most, done = 0, 0, 0
    lock = threading.Lock()
    original = crypto.nacl.pwhash.argon2id.kdf

    def counting(*args: Any, **kwargs: Any) -> bytes:
        nonlocal inside, most, done
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.05)  # long enough for the others to pile up
            return bytes(original(*args, **kwargs))
        finally:
            with lock:
                inside -= 1
                done += 1

    monkeypatch.setattr(crypto.nacl.pwhash.argon2id, "kdf", counting)
    kdf = crypto.PasswordKdf.new(1, 8192)
    started = [threading.Thread(target=kdf.derive, args=("secret",)) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    assert done == threads
    assert most == slots


def wait_until(condition: Any) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_kdf_slot_goes_to_the_longest_waiting_request() -> None:
    """A freed slot is handed to the oldest waiter, not to whoever asks next: under a surge
    no request waits past its turn (and into a 503) while later ones go through."""
    slots = crypto.FifoSlots(1)
    assert slots.acquire(timeout=0)
    order: list[int] = []
    lock = threading.Lock()

    def waiter(number: int) -> None:
        assert slots.acquire(timeout=10)
        with lock:
            order.append(number)
        slots.release()

    waiters = []
    for number in range(5):
        thread = threading.Thread(target=waiter, args=(number,))
        thread.start()
        waiters.append(thread)
        wait_until(lambda number=number: slots.waiting() == number + 1)
    slots.release()
    for thread in waiters:
        thread.join()
    assert order == list(range(5))


def test_when_the_line_is_full_the_request_is_told_at_once(settings: Any) -> None:
    """Every slot taken and KDF_QUEUE requests already in line: no use waiting behind them,
    the next request is answered at once (503), not after KDF_WAIT_SECONDS."""
    settings.KDF_CONCURRENCY = 1
    settings.KDF_QUEUE = 1
    settings.KDF_WAIT_SECONDS = 30
    with crypto.kdf_slot():
        assert crypto._slots is not None
        slots = crypto._slots
        in_line = threading.Thread(target=hold_a_slot_briefly)
        in_line.start()
        wait_until(lambda: slots.waiting() == 1)
        began = time.monotonic()
        with pytest.raises(crypto.KdfBusy), crypto.kdf_slot():
            pass
        assert time.monotonic() - began < 5
    in_line.join()  # and the one in line got the slot once it was freed


def hold_a_slot_briefly() -> None:
    with crypto.kdf_slot():
        pass


def test_a_waiter_that_gives_up_leaves_no_slot_taken() -> None:
    slots = crypto.FifoSlots(1)
    assert slots.acquire(timeout=0)
    assert not slots.acquire(timeout=0.01)  # gave up: KdfBusy for its request
    assert slots.waiting() == 0
    slots.release()
    assert slots.acquire(timeout=0)  # the one slot is free again, not lost
    assert not slots.acquire(timeout=0)
