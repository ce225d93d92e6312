"""A seized server — the database and the configuration (SECRET_KEY) — reveals no
text-message reporter's words, and no RapidPro reporter's number in any form.

The attacker here has every table's raw contents (and the raw database file or dump) and
the channel key derived from SECRET_KEY, and tries to open every stored value with it under
every purpose the code uses. What remains readable is what docs/security-model.md lists:
a plain SMS gateway's numbers (it cannot reply otherwise) and the outbox until collected.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from digiamen.channels import actions, store
from digiamen.channels.models import Conversation, Gateway, InboundMessage
from digiamen.conftest import World
from digiamen.core import crypto
from digiamen.core.tests.test_encryption import _raw_database_bytes, _var_bytes, request_for
from digiamen.intake import actions as intake_actions
from digiamen.intake.models import Report
from digiamen.intake.tests.helpers import staff_reply

BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")


def _table_values() -> list[Any]:
    """Every value of every row of every model's table, as raw SQL returns it."""
    values: list[Any] = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  (a model's own table name)
            for row in cursor.fetchall():
                values.extend(row)
    return values


def _blobs(values: list[Any]) -> list[bytes]:
    """Every stored value that could be a ciphertext: binary columns, and base64 in text."""
    found: list[bytes] = []
    for value in values:
        if isinstance(value, memoryview | bytes | bytearray):
            found.append(bytes(value))
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        for run in BASE64_RUN.findall(text):
            try:
                found.append(base64.b64decode(run + "=" * (-len(run) % 4)))
            except ValueError:
                continue
    # Shorter than a version byte, a nonce and a tag: no ciphertext of this code.
    return [blob for blob in found if len(blob) >= 1 + crypto.NONCE_BYTES + 16]


def _open_everything_with_the_server_key(values: list[Any]) -> bytes:
    """What the channel key opens, trying every purpose the code uses with every id."""
    key = store._key(b"channels-store")
    # Every id the database holds (a gateway's, a conversation's), as an attacker would try:
    # a run of many tests leaves ids far above the first few.
    ids = (
        set(range(0, 60))
        | set(Gateway.objects.values_list("pk", flat=True))
        | set(Conversation.objects.values_list("pk", flat=True))
    )
    message_ids = list(InboundMessage.objects.values_list("gateway_id", "message_id"))
    purposes = {"channels:outbox", "channels:reply"}
    for n in ids:
        purposes |= {
            f"channels:phone:{n}",
            f"channels:answers:{n}",
            f"channels:rapidpro-token:{n}",
        }
    purposes |= {f"channels:reply:{g}:{m}" for g, m in message_ids}
    opened: list[bytes] = []
    for blob in _blobs(values):
        for purpose in purposes:
            try:
                opened.append(crypto.decrypt(key, blob, purpose=purpose.encode()))
            except crypto.DecryptionError:
                continue
    return b"\n".join(opened)


def _seize() -> dict[str, bytes]:
    """The raw database, every table's values, var/, and what the server key opens."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
    values = _table_values()
    return {
        "database file": _raw_database_bytes(),
        "tables": repr(values).encode() + b"".join(_blobs(values)),
        "var/": _var_bytes(),
        "opened with the server key": _open_everything_with_the_server_key(values),
    }


def _forms_of_a_number(phone: str) -> set[str]:
    """The number as text, and every hash of it the code could have kept."""
    digits = phone.lstrip("+")
    texts = {phone, digits, f"tel:{phone}"}
    hashes = set()
    for text in texts:
        for provider in Gateway.Provider.values:
            hashes.add(store.sender_lookup(provider, text))
        hashes.add(crypto.lookup_hash(text.encode()))
        hashes.add(hashlib.sha256(text.encode()).hexdigest())
    return texts | hashes


def _found(secret: str, stores: dict[str, bytes]) -> list[str]:
    return [where for where, data in stores.items() if secret.encode() in data]


def _send(gateway: Gateway, secret: str, phone: str, contact: str, text: str, n: int) -> Any:
    auth = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    if gateway.provider == Gateway.Provider.RAPIDPRO:
        body = {
            "contact": {"uuid": contact, "urn": f"tel:{phone}", "name": "Test"},
            "input": {"text": text, "uuid": f"m-{n}", "urn": f"tel:{phone}"},
        }
        return Client().post(
            f"/channels/{gateway.public_id}/rapidpro",
            json.dumps(body),
            content_type="application/json",
            **auth,
        )
    return Client().post(
        f"/channels/{gateway.public_id}/sms",
        {"from": phone, "text": text, "id": f"m-{n}"},
        **auth,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider", Gateway.Provider.values)
def test_a_seized_server_reveals_no_words_and_no_rapidpro_number(
    world: World, provider: str
) -> None:
    gateway, secret = actions.create_gateway(world.amane, name="Texts", provider=provider)
    marker = f"MARKER{secrets.token_hex(8)}"
    follow_up = f"FOLLOWUP{secrets.token_hex(8)}"
    phone = "+2126" + "".join(secrets.choice("0123456789") for _ in range(8))
    contact = "7b0f5c3e-1d2a-4e6b-9c8d-" + secrets.token_hex(6)
    answers = ["hello", "2", "1", "0", "3", f"He threatens me {marker}", "1"]
    for n, text in enumerate(answers[:-1]):
        assert _send(gateway, secret, phone, contact, text, n).status_code == 200

    # 1. Mid-conversation, the story given: the words are sealed, not under the server key.
    stores = _seize()
    assert b"harm_types" in stores["opened with the server key"]  # the attack works
    assert _found(marker, stores) == []
    if provider == Gateway.Provider.SMS_GATEWAY:
        # Documented: a plain gateway's sender is found by a hash anyone with the key can
        # recompute for every number (the number itself is not kept yet).
        assert store.sender_lookup(provider, phone).encode() in stores["tables"]
        assert _found(phone, stores) == []

    # 2. The report is made, a counsellor replies, the reporter writes again.
    last = _send(gateway, secret, phone, contact, answers[-1], len(answers))
    shown = re.search(r"\d{4}(?:\D?\d{4}){5}", last.content.decode())
    assert shown is not None
    receipt = re.sub(r"\D", "", shown.group(0))
    report = Report.objects.get()
    staff_reply(world, report, "We are here for you.")
    assert _send(gateway, secret, phone, contact, follow_up, 99).status_code == 200
    stores = _seize()
    for words in (marker, follow_up, receipt):
        assert _found(words, stores) == [], words
    # Documented: the reply waits readable in the outbox until collected.
    assert b"We are here for you." in stores["opened with the server key"]
    if provider == Gateway.Provider.RAPIDPRO:
        for form in _forms_of_a_number(phone):
            assert _found(form, stores) == [], f"the number ({form[:4]}…) is readable"
        assert contact.encode() in stores["opened with the server key"]
    else:
        assert phone.encode() in stores["opened with the server key"]

    # 3. The gateway collects the outbox: the reply's text is gone.
    auth = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    outbox = Client().get(f"/channels/{gateway.public_id}/outbox", **auth).json()["messages"]
    Client().post(
        f"/channels/{gateway.public_id}/outbox",
        json.dumps({"sent": [m["id"] for m in outbox]}),
        content_type="application/json",
        **auth,
    )
    assert _found("We are here for you.", _seize()) == []

    # The organisation, and only it, reads the words.
    bob = request_for(world.bob.user, world.bob.private_key)
    opened = intake_actions.open_report(bob, Report.objects.get())
    assert marker in opened.narrative
    if provider == Gateway.Provider.RAPIDPRO:
        assert opened.contact == f"RapidPro contact {contact}" and phone not in opened.contact
    else:
        assert opened.contact == phone
