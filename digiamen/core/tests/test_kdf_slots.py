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
from digiamen.intake.models import Report


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


def test_kdf_slots_bound_concurrent_derivations(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six threads derive at once with two slots: never more than two inside Argon2id (the
    memory bound), and all six get their key."""
    settings.KDF_CONCURRENCY = 2
    settings.KDF_WAIT_SECONDS = 5
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
    threads = [threading.Thread(target=kdf.derive, args=("secret",)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == 6
    assert most == 2
