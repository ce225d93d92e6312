"""Production refuses to start with an unsafe configuration (checked in real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SAFE = {
    "DIGIAMEN_MODE": "production",
    "SECRET_KEY": "k" * 10 + "9f8e7d6c5b4a3210" * 3 + "xyzzy-plugh",
    "ALLOWED_HOSTS": "digiamen.example.org",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "DJANGO_SETTINGS_MODULE": "digiamen.settings",
    "NETWORK_SIGNING_KEY": "c2lnbmluZy1rZXktb2YtdGhpcy1pbnN0YW5jZS0zMmI=",
}


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DIGIAMEN", "DJANGO", "SECRET", "DATABASE"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


IMPORT_WSGI = "import digiamen.wsgi"


def test_safe_production_configuration_starts() -> None:
    result = run(
        IMPORT_WSGI + "; from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.DEBUG)",
        **SAFE,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["__Host-session", "63072000", "True", "False"]


def test_unsafe_production_configurations_are_refused_with_a_fix() -> None:
    cases = {
        "DEBUG is on": {"DJANGO_DEBUG": "1"},
        "SECRET_KEY is missing or weak": {"SECRET_KEY": "changeme"},
        "HTTPS is off": {"DIGIAMEN_HTTPS": "0"},
        "SQLite is the database": {"DATABASE_URL": ""},
        "ALLOWED_HOSTS is empty": {"ALLOWED_HOSTS": ""},
        "NETWORK_SIGNING_KEY is missing": {"NETWORK_SIGNING_KEY": ""},
    }
    for message, change in cases.items():
        env = {**SAFE, **change}
        env = {k: v for k, v in env.items() if v}
        result = run(IMPORT_WSGI, **env)
        assert result.returncode != 0, message
        assert "refuses to start" in result.stderr and message in result.stderr, result.stderr[
            -800:
        ]


def test_sqlite_in_production_only_with_explicit_consent(tmp_path: Path) -> None:
    env = {k: v for k, v in SAFE.items() if k != "DATABASE_URL"}
    result = run(IMPORT_WSGI, DIGIAMEN_ALLOW_SQLITE="1", DIGIAMEN_VAR_DIR=str(tmp_path), **env)
    assert result.returncode == 0, result.stderr


def test_demo_mode_needs_no_configuration(tmp_path: Path) -> None:
    result = run(
        IMPORT_WSGI,
        DJANGO_SETTINGS_MODULE="digiamen.settings",
        DIGIAMEN_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr


def test_receipt_kdf_below_floor_refuses_to_start_in_production() -> None:
    """Receipts are guessed offline as fast as their derivation allows: the production floor
    is the cost docs/security-model.md's arithmetic assumes (3 passes, 64 MiB)."""
    floor = {"RECEIPT_KDF_OPSLIMIT": "3", "RECEIPT_KDF_MEMLIMIT": str(64 * 1024 * 1024)}
    assert run(IMPORT_WSGI, **SAFE, **floor).returncode == 0
    for change in (
        {"RECEIPT_KDF_OPSLIMIT": "2"},
        {"RECEIPT_KDF_MEMLIMIT": str(64 * 1024 * 1024 - 1)},
        {"RECEIPT_KDF_OPSLIMIT": "1", "RECEIPT_KDF_MEMLIMIT": "8192"},
    ):
        result = run(IMPORT_WSGI, **SAFE, **{**floor, **change})
        assert result.returncode != 0, change
        assert "refuses to start" in result.stderr, result.stderr[-800:]
        assert "Receipt key derivation is too cheap" in result.stderr, result.stderr[-800:]
        assert "RECEIPT_KDF_MEMLIMIT" in result.stderr
