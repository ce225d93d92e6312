from __future__ import annotations

import hashlib
from itertools import count

from django.test import Client

from digiamen.conftest import World
from digiamen.intake import pow
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import hidden, walk


def solve(challenge: str, bits: int) -> str:
    for nonce in count():
        digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
        if pow.leading_zero_bits(digest) >= bits:
            return str(nonce)
    raise AssertionError


def test_leading_zero_bits() -> None:
    assert pow.leading_zero_bits(b"\x00\x00\x01") == 23
    assert pow.leading_zero_bits(b"\x80") == 0
    assert pow.leading_zero_bits(b"\x0f\xff") == 4


def test_proof_is_checked(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INTAKE_POW_BITS = 8
    nonce = solve("draft-token", 8)
    assert pow.is_valid("draft-token", nonce)
    assert not pow.is_valid("another-token", nonce) or nonce == solve("another-token", 8)
    for bad in ["", "abc", "1" * 30, "-1"]:
        assert not pow.is_valid("draft-token", bad)


def test_proof_of_work_earns_a_larger_allowance(client: Client, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.INTAKE_REPORTS_PER_HOUR = 1
    settings.INTAKE_POW_MULTIPLIER = 3
    settings.INTAKE_POW_BITS = 8
    assert walk(client, "/en/report/").status_code == 201
    assert walk(client, "/en/report/").status_code == 429  # plain client: limit reached
    for _ in range(3):
        review = walk(client, "/en/report/", send=False).content.decode()
        token = hidden(review, "draft")
        response = client.post(
            "/en/report/", {"draft": token, "action": "send", "pow": solve(token, 8)}
        )
        assert response.status_code == 201
    review = walk(client, "/en/report/", send=False).content.decode()
    token = hidden(review, "draft")
    assert (
        client.post(
            "/en/report/", {"draft": token, "action": "send", "pow": solve(token, 8)}
        ).status_code
        == 429
    )
    assert Report.objects.count() == 4
