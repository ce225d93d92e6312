"""No plaintext of a narrative, a contact or a username reaches the database, var/ or logs."""

from __future__ import annotations

import logging
import secrets

import pytest
from django.db import connection
from django.test import Client

from digiamen.conftest import World
from digiamen.core.tests.test_encryption import _raw_database_bytes, _var_bytes
from digiamen.intake.tests.helpers import STEP_ANSWERS, hidden, receipt_of, walk


@pytest.mark.django_db(transaction=True)
def test_report_text_is_nowhere_in_plaintext(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = secrets.token_hex(6)
    narrative = f"NARRATIVE-{marker} يهددني بنشر صوري"
    username = f"@predator_{marker}"
    email = f"contact-{marker}@example.org"
    reply = f"REPLY-{marker}"
    steps = [dict(s) for s in STEP_ANSWERS]
    steps[4] = {"narrative": narrative, "involved_accounts": username}
    steps[5] = {"contact_method": "email", "contact_value": email}
    client = Client(REMOTE_ADDR="198.51.100.23")
    receipt = receipt_of(walk(client, "/en/report/", steps).content.decode())
    page = client.post("/en/followup/", {"receipt": receipt}).content.decode()
    client.post("/en/followup/message/", {"token": hidden(page, "token"), "text": reply})

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
    stores = {"database": _raw_database_bytes(), "var/": _var_bytes(), "logs": caplog.text.encode()}
    # Control: the plain categorical fields are there, so the search itself works.
    assert b"sexual_extortion" in stores["database"]
    for secret in [
        f"NARRATIVE-{marker}",
        "يهددني",
        username,
        email,
        reply,
        receipt.replace(" ", ""),
        receipt,
        "198.51.100.23",
    ]:
        for where, data in stores.items():
            assert secret.encode() not in data, f"{secret!r} found in {where}"
