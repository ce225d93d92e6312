"""Production refuses Redis persistence and access logs (the daily pseudonym key and
reporters' addresses must never reach disk)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from digiamen.core import checks_disk
from digiamen.tests.support import redis_server_config_lock, spare_redis_url

REDIS = spare_redis_url()


def _ids(messages: list[Any]) -> set[str]:
    return {m.id for m in messages}


@pytest.fixture
def production(settings):  # type: ignore[no-untyped-def]
    settings.PRODUCTION = True
    return settings


@pytest.fixture
def redis_config() -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(REDIS)
    with redis_server_config_lock():
        before = {k: client.config_get(k)[k] for k in ("save", "appendonly")}
        try:
            yield client
        finally:
            for key, value in before.items():
                client.config_set(key, value)
            client.close()


@pytest.mark.needs("redis")
def test_production_check_refuses_redis_persistence(production, redis_config) -> None:  # type: ignore[no-untyped-def]
    production.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    }
    redis_config.config_set("save", "")
    redis_config.config_set("appendonly", "no")
    assert checks_disk.nothing_to_disk() == []

    redis_config.config_set("appendonly", "yes")
    errors = checks_disk.nothing_to_disk()
    assert _ids(errors) == {"digiamen.E102"}
    assert all(e.is_serious() for e in errors)
    redis_config.config_set("appendonly", "no")

    redis_config.config_set("save", "3600 1")
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E101"}
    redis_config.config_set("save", "")

    # The queue alone on Redis is checked too.
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.HUEY = {"huey_class": "huey.RedisHuey", "url": REDIS}
    redis_config.config_set("appendonly", "yes")
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E102"}


def test_production_check_warns_when_redis_config_is_disabled(production, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import redis

    def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise redis.ResponseError("unknown command 'CONFIG'")

    monkeypatch.setattr(redis.Redis, "config_get", refused)
    production.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    }
    messages = checks_disk.nothing_to_disk()
    assert _ids(messages) == {"digiamen.W101"}
    assert not any(m.is_serious() for m in messages)


def test_production_check_warns_when_redis_is_unreachable(production) -> None:  # type: ignore[no-untyped-def]
    production.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.W102"}


def test_production_check_without_redis_asks_nothing(production) -> None:  # type: ignore[no-untyped-def]
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.HUEY = {"huey_class": "huey.MemoryHuey"}
    assert checks_disk.nothing_to_disk() == []


def test_production_check_refuses_access_logs(production, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.HUEY = {"huey_class": "huey.MemoryHuey"}
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setattr("sys.argv", ["gunicorn", "digiamen.wsgi:application"])
    assert checks_disk.nothing_to_disk() == []

    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 2 --access-logfile -")
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E103"}
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 2")

    monkeypatch.setattr("sys.argv", ["gunicorn", "--access-logfile=/var/log/a.log", "x:y"])
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E103"}
    monkeypatch.setattr("sys.argv", ["gunicorn", "digiamen.wsgi:application"])

    # Inside a gunicorn worker started with an access log, its logger has a handler.
    access = logging.getLogger("gunicorn.access")
    handler = logging.NullHandler()
    access.addHandler(handler)
    try:
        assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E103"}
    finally:
        access.removeHandler(handler)

    server = logging.getLogger("django.server")
    monkeypatch.setattr(server, "handlers", [logging.NullHandler()])
    monkeypatch.setattr(server, "level", logging.INFO)
    server.manager._clear_cache()
    assert _ids(checks_disk.nothing_to_disk()) == {"digiamen.E103"}


def test_production_check_ignores_all_this_outside_production(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = False
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--access-logfile -")
    assert checks_disk.nothing_to_disk() == []


# --- The network signing key (evidence/checks.py) ---------------------------------------------


def test_network_signing_key_required_in_production(production) -> None:  # type: ignore[no-untyped-def]
    import base64

    from digiamen.evidence import checks as checks_keys
    from digiamen.evidence.network import legacy_signing_seed

    production.NETWORK_SIGNING_KEY = base64.b64encode(b"k" * 32).decode()
    assert checks_keys.network_signing_key() == []
    for bad in ("", "!!", base64.b64encode(b"k" * 31).decode()):
        production.NETWORK_SIGNING_KEY = bad
        assert _ids(checks_keys.network_signing_key()) == {"digiamen.E104"}
    # Kept from SECRET_KEY while upgrading: allowed, but said.
    production.NETWORK_SIGNING_KEY = base64.b64encode(legacy_signing_seed()).decode()
    messages = checks_keys.network_signing_key()
    assert _ids(messages) == {"digiamen.W104"} and not messages[0].is_serious()


def test_network_signing_key_command_writes_a_new_or_the_derived_key(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    import base64
    import io
    import stat

    import nacl.signing
    from django.core.management import CommandError, call_command

    from digiamen.evidence.network import legacy_signing_seed, parse_signing_seed

    fresh = tmp_path / "fresh"
    out = io.StringIO()
    call_command("network_signing_key", str(fresh), stdout=out)
    seed = parse_signing_seed(fresh.read_text())
    assert seed is not None and seed != legacy_signing_seed()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    public = base64.b64encode(bytes(nacl.signing.SigningKey(seed).verify_key)).decode()
    assert public in out.getvalue() and fresh.read_text().strip() not in out.getvalue()
    with pytest.raises(CommandError):
        call_command("network_signing_key", str(fresh), stdout=io.StringIO())
    assert parse_signing_seed(fresh.read_text()) == seed  # not overwritten

    kept = tmp_path / "kept"
    call_command("network_signing_key", str(kept), "--keep-derived", stdout=io.StringIO())
    assert parse_signing_seed(kept.read_text()) == legacy_signing_seed()
