"""Client addresses are never logged or stored (threat model, point 8)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from digiamen.conftest import World
from digiamen.core.logging import ScrubRequestFilter

ADDRESS = "203.0.113.77"


def _everything_in_the_database() -> str:
    dump: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_no_address_in_logs_or_database(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=ADDRESS)
    client.post("/en/staff/login/", {"username": "bob", "password": "wrong wrong wrong"})
    client.post("/en/staff/login/", {"username": "bob", "password": world.bob.password})
    client.post("/en/staff/login/verify/", {"code": world.bob.totp()})
    client.get("/en/staff/amane/")
    client.get("/fr/no-such-page/")
    Client(REMOTE_ADDR=ADDRESS, enforce_csrf_checks=True).post("/en/staff/login/", {})
    client.post("/api/v1/auth/login", b"{broken", content_type="application/json")
    for record in caplog.records:
        assert ADDRESS not in record.getMessage()
        request = getattr(record, "request", None)
        if request is not None:
            ScrubRequestFilter().filter(record)
            assert record.request is None  # type: ignore[attr-defined]
    assert ADDRESS not in caplog.text
    assert ADDRESS not in _everything_in_the_database()


def test_scrub_filter_removes_request_objects() -> None:
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, None)
    record.request = object()  # type: ignore[attr-defined]
    assert ScrubRequestFilter().filter(record)
    assert record.request is None  # type: ignore[attr-defined]
