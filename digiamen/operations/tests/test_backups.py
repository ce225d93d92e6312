"""Encrypted backups: made with a drill, restored into an empty database where the members
still open their cases, and refused whole when damaged, foreign, newer or misdirected."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

import digiamen
from digiamen.accounts.models import Role
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.operations import backup_file, backups
from digiamen.operations.backups import BackupError, BackupUnreadable, Target
from digiamen.safeguarding.models import BackupRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_key(tmp_path: Path, settings: Any) -> str:
    settings.BACKUP_PUBLIC_KEY_FILE = tmp_path / "keys" / "backup_public_key"
    settings.BACKUP_DIR = tmp_path / "backups"
    out = StringIO()
    call_command("backup_key", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Backup public key written to {settings.BACKUP_PUBLIC_KEY_FILE}."
    assert "PRIVATE key (shown once" in lines[1]
    return lines[2].strip()


def make(**options: Any) -> tuple[Path, str]:
    out = StringIO()
    call_command("backup", stdout=out, **options)
    written = out.getvalue().split("Backup written: ", 1)[1].split(" (", 1)[0]
    return Path(written), out.getvalue()


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[tuple[Target, dict[str, str]]]:
    """An empty database of the suite's kind, and the environment that points a process at it."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DIGIAMEN", "DATABASE"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "digiamen.test_settings",
            "DIGIAMEN_VAR_DIR": str(tmp_path / "restored-var"),
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "testserver",
        }
    )
    params = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        (tmp_path / "restored-var").mkdir()
        target = tmp_path / "restored-var" / "digiamen.sqlite3"
        yield Target("sqlite", {**params, "NAME": str(target)}), environment
        return
    name = f"restore_{secrets.token_hex(4)}"
    admin = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432}
    admin.update({"user": params["USER"] or "postgres", "dbname": "postgres", "autocommit": True})
    with psycopg.connect(**admin) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    environment["DATABASE_URL"] = (
        f"postgresql://{admin['user']}@{admin['host']}:{admin['port']}/{name}"
    )
    try:
        yield Target("postgresql", {**params, "NAME": name}), environment
    finally:
        with psycopg.connect(**admin) as db:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            db.execute(drop.format(sql.Identifier(name)))


OPEN_AS_SUPERVISOR = """
import json, sys
import django
django.setup()
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
username, password = sys.argv[1:3]
d = TOTPDevice.objects.get(user__username=username)
code = f"{TOTP(d.bin_key, d.step, d.t0, d.digits, d.drift).token():06d}"
client = Client()
body = json.dumps({"username": username, "password": password, "otp": code})
login = client.post("/api/v1/auth/login", body, content_type="application/json")
assert login.status_code == 200, login.content
token = login.json()["token"]
auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
numbers = [c["number"] for c in client.get("/api/v1/cases", **auth).json()["results"]]
opened = {n: client.get(f"/api/v1/cases/{n}", **auth).json().get("narrative") for n in numbers}
print(json.dumps(opened))
"""


def test_backup_restores_into_an_empty_database_where_members_still_open_their_cases(
    world: World, private_key: str, empty_database: tuple[Target, dict[str, str]]
) -> None:
    supervisor = world.add_member("sue", world.amane, Role.SUPERVISOR)
    markers = [f"MARKER-{secrets.token_hex(8)}" for _ in range(3)]
    cases = [new_case(narrative=marker) for marker in markers]
    marker, case = markers[0], cases[0]
    path, output = make(drill=True)

    assert "Drill passed" in output and BackupRun.objects.count() == 1
    raw = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    for plaintext in (marker, "Amane", "alice", case.number, "sexual_extortion"):
        assert plaintext.encode() not in raw

    _target, environment = empty_database
    key_file = path.parent / "private-key.txt"
    key_file.write_text(private_key)

    def python(*arguments: str) -> subprocess.CompletedProcess[str]:
        """A process of its own on the restored database (the instance's configuration)."""
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    restore = python("manage.py", "restore", str(path), "--private-key-file", str(key_file))
    assert restore.returncode == 0, restore.stderr
    assert "row counts and the audit chain head match the manifest" in restore.stdout

    opened = python("-c", OPEN_AS_SUPERVISOR, "sue", supervisor.password)
    assert opened.returncode == 0, opened.stderr[-2000:]
    # Every case of the organisation opens for its supervisor, each with its own text.
    assert json.loads(opened.stdout.splitlines()[-1]) == {
        c.number: m for c, m in zip(cases, markers, strict=True)
    }


def test_the_manifest_describes_the_snapshot(world: World, private_key: str) -> None:
    new_case()
    path, _ = make()
    with path.open("rb") as source:
        reader = backup_file.Reader(source, backups.parse_private_key(private_key))
        manifest = reader.manifest
        dump = b"".join(reader.chunks())
    assert manifest["version"] == digiamen.VERSION and manifest["vendor"] == connection.vendor
    assert manifest["row_counts"]["cases_case"] == 1
    assert manifest["row_counts"]["core_auditevent"] > 0
    assert manifest["audit_head"]["last_hash"] and "cases.0001_initial" in manifest["migrations"]
    assert dump[:16] in {b"SQLite format 3\x00"} or dump[:5] == b"PGDMP"


def test_a_backup_that_cannot_be_restored_here_is_refused_whole(
    world: World, private_key: str, empty_database: tuple[Target, dict[str, str]], settings: Any
) -> None:
    new_case()
    path, _ = make()
    good = path.read_bytes()
    key = backups.parse_private_key(private_key)
    target, _environment = empty_database

    def attempt(data: bytes, with_key: Any = key) -> str:
        with pytest.raises((BackupError, BackupUnreadable)) as refused:
            backups.restore(lambda: BytesIO(data), with_key, target)
        assert target.tables() == []  # nothing was written
        return str(refused.value)

    other_key = backups.parse_private_key(backups.new_key_pair().private_text)
    assert "not made for this backup key" in attempt(good, other_key)
    assert "cut short" in attempt(good[: len(good) // 2])
    assert "cut short" in attempt(good[:-10])
    middle = len(good) // 2
    assert "changed or damaged" in attempt(
        good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1 :]
    )
    assert "bytes after its end" in attempt(good + b"\x00")
    assert "not a Digi-Amen backup" in attempt(b"PK\x03\x04" + good[4:])

    with path.open("rb") as source:
        manifest = backup_file.Reader(source, key).manifest
    public_key = backups.configured_public_key()
    newer = BytesIO()
    backup_file.write(
        newer,
        public_key,
        {**manifest, "migrations": [*manifest["migrations"], "cases.9999_later"]},
        [b"x"],
    )
    assert "newer version of Digi-Amen" in attempt(newer.getvalue())

    settings.SECRET_KEY = "another instance's secret key " + "x" * 30
    assert "another Digi-Amen instance" in attempt(good)


def test_restore_refuses_a_database_that_is_not_empty(world: World, private_key: str) -> None:
    path, _ = make()
    before = Target.default().facts()
    key_file = path.parent / "key.txt"
    key_file.write_text(private_key)
    with pytest.raises(CommandError, match="is not empty: restore only into an empty database"):
        call_command("restore", str(path), private_key_file=key_file)
    assert Target.default().facts() == before


def test_the_key_is_made_once_and_the_backup_needs_it(
    tmp_path: Path, settings: Any, db: Any
) -> None:
    settings.BACKUP_PUBLIC_KEY_FILE = tmp_path / "missing"
    with pytest.raises(CommandError, match="No backup public key"):
        call_command("backup", output=tmp_path / "b")
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())
    call_command("backup_key", stdout=StringIO())
    first = settings.BACKUP_PUBLIC_KEY_FILE.read_text()
    with pytest.raises(CommandError, match="already"):
        call_command("backup_key", stdout=StringIO())
    assert settings.BACKUP_PUBLIC_KEY_FILE.read_text() == first
    with pytest.raises(BackupError):
        backups.parse_private_key("not a key")


def test_only_the_newest_backups_are_kept(world: World, private_key: str) -> None:
    paths = [make(keep=2)[0] for _ in range(3)]
    remaining = sorted(p.name for p in paths[0].parent.glob("*.backup"))
    assert len(remaining) == 2 and paths[0].name not in remaining


def test_backups_older_than_the_maximum_age_are_deleted(tmp_path: Path, settings: Any) -> None:
    """A backup made before a case's closure holds envelopes sealed only to the organisation
    key: backups must expire before any retention period does (crypto-shredding)."""
    settings.BACKUP_MAX_AGE_DAYS = 30
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    made = {}
    for age_days in (0, 10, 29, 31, 60):
        stamp = (now - timedelta(days=age_days)).strftime("%Y%m%d-%H%M%S-%f")
        made[age_days] = tmp_path / f"{backups.FILE_PREFIX}{stamp}{backups.FILE_SUFFIX}"
        made[age_days].write_bytes(b"")
    removed = backups.prune(tmp_path, keep=14, now=now)
    assert sorted(removed) == sorted([made[31], made[60]])
    assert set(tmp_path.iterdir()) == {made[0], made[10], made[29]}
    # The newest backup stays even when it is old (a stopped timer must not leave none).
    assert backups.prune(tmp_path, keep=14, now=now + timedelta(days=400)) == sorted(
        [made[10], made[29]], reverse=True
    )
    assert made[0].exists()


def test_the_version_in_backups_is_the_project_version() -> None:
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == digiamen.VERSION


def test_the_nightly_backup_runs_with_its_drill_once_a_key_exists(
    world: World, tmp_path: Path, settings: Any
) -> None:
    from digiamen.operations.tasks import nightly_backup

    settings.BACKUP_PUBLIC_KEY_FILE = tmp_path / "backup_public_key"
    settings.BACKUP_DIR = tmp_path / "backups"
    assert nightly_backup.call_local() == "no backup public key: nightly backups are off"
    assert BackupRun.objects.count() == 0 and not settings.BACKUP_DIR.exists()
    call_command("backup_key", stdout=StringIO())
    assert nightly_backup.call_local().endswith("drill passed")
    assert BackupRun.objects.count() == 1 and len(list(settings.BACKUP_DIR.glob("*.backup"))) == 1


def test_the_queue_leaves_backups_to_the_system_timer_when_told(db: Any, settings: Any) -> None:
    from digiamen.operations.tasks import nightly_backup

    settings.BACKUP_IN_QUEUE = False
    assert nightly_backup.call_local() == (
        "backups are made by the system timer (digiamen-backup.timer)"
    )
