"""Encrypted backups, restore into an empty database, and the nightly drill.

A backup is one consistent snapshot: on PostgreSQL the row counts and the audit-chain head
are read in the exported snapshot that ``pg_dump --snapshot`` then dumps; on SQLite they
are read from the online-backup copy that is dumped. The dump never touches the disk in
plaintext on PostgreSQL (``pg_dump`` streams into the encryptor); on SQLite the copy lives
in a private temporary folder beside the database for the time of the backup (the database
file itself is no better protected). See ``backup_file`` for the encryption.

The backup private key is printed once by ``manage.py backup_key`` and never kept on the
server, so the server cannot read its own backups. The nightly drill therefore restores
the very bytes it encrypts into a scratch database and compares row counts and the audit
head with the manifest; an operator checks a file end to end with ``manage.py restore
--check`` and the private key (docs/operations.md).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from nacl.public import PrivateKey

import digiamen
from digiamen.core import crypto
from digiamen.core.models import AuditChainHead
from digiamen.operations import backup_file
from digiamen.operations.backup_file import BackupUnreadable

PUBLIC_KEY_PREFIX = "digiamen-backup-public-key:"
FILE_PREFIX = "digiamen-"
FILE_SUFFIX = ".backup"
READ_SIZE = 1 << 16


class BackupError(Exception):
    """Said to the operator as it is; nothing was changed."""


# --- Keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewKeyPair:
    public_text: str
    private_text: str


def new_key_pair() -> NewKeyPair:
    seed = secrets.token_bytes(32)
    public = bytes(crypto.private_key_from_seed(seed).public_key)
    return NewKeyPair(
        PUBLIC_KEY_PREFIX + base64.urlsafe_b64encode(public).decode(),
        crypto.format_recovery_key(seed),
    )


def parse_public_key(text: str) -> bytes:
    text = text.strip()
    if not text.startswith(PUBLIC_KEY_PREFIX):
        raise BackupError("The backup public key does not start with " + PUBLIC_KEY_PREFIX)
    try:
        raw = base64.urlsafe_b64decode(text.removeprefix(PUBLIC_KEY_PREFIX))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BackupError("The backup public key is damaged.")
    return raw


def parse_private_key(text: str) -> PrivateKey:
    try:
        return crypto.private_key_from_seed(crypto.parse_recovery_key(text))
    except (crypto.DecryptionError, ValueError, TypeError):
        raise BackupError(
            "That is not a backup private key (groups of letters and digits)."
        ) from None


def configured_public_key() -> bytes:
    path = Path(settings.BACKUP_PUBLIC_KEY_FILE)
    if not path.is_file():
        raise BackupError(
            f"No backup public key at {path}: make a key pair with `manage.py backup_key`."
        )
    return parse_public_key(path.read_text(encoding="utf-8"))


def instance_fingerprint() -> str:
    """Names this instance without revealing its secret key: a backup restores only where
    the same configuration (secret key) is in place, not on another instance."""
    return instance_fingerprints()[0]


def instance_fingerprints() -> list[str]:
    """This instance's fingerprint, then as the first key derivation made it (backups made
    before the change still restore here)."""
    return [
        key[:12].hex()
        for key in crypto.derived_key_versions(
            settings.SECRET_KEY.encode(), purpose=b"backup-instance"
        )
    ]


# --- Reading a database: tables, counts, audit head ------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_facts(cursor: Any, tables: Iterable[str]) -> dict[str, Any]:
    """Row counts, applied migrations and the audit head, read through a DB-API cursor."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  (table names)
        counts[table] = int(cursor.fetchone()[0])
    cursor.execute("SELECT app, name FROM django_migrations")
    migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    head_table = _quote(AuditChainHead._meta.db_table)
    cursor.execute(f"SELECT last_event_id, last_hash FROM {head_table}")  # noqa: S608
    head = cursor.fetchone()
    return {
        "row_counts": counts,
        "migrations": migrations,
        "audit_head": {"last_event_id": head[0], "last_hash": head[1]} if head else None,
    }


def _manifest(vendor: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": 1,
        "application": "digiamen",
        "version": digiamen.VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "instance": instance_fingerprint(),
        **facts,
    }


def _pg_environment(params: dict[str, Any], database: str | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update(
        {
            "PGHOST": str(params.get("HOST") or "127.0.0.1"),
            "PGPORT": str(params.get("PORT") or 5432),
            "PGUSER": str(params.get("USER") or "postgres"),
            "PGDATABASE": database or str(params["NAME"]),
        }
    )
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    return environment


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"`{name}` is not installed: install Debian's postgresql-client.")
    return found


def _stream(process: subprocess.Popen[bytes]) -> Iterator[bytes]:
    assert process.stdout is not None  # noqa: S101  (Popen was given stdout=PIPE)
    while piece := process.stdout.read(READ_SIZE):
        yield piece
    if process.wait() != 0:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise BackupError(f"pg_dump failed: {error.strip()[:500]}")


@contextmanager
def _snapshot() -> Iterator[tuple[dict[str, Any], Iterator[bytes]]]:
    """The manifest facts and the dump of one consistent view of the default database."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            facts = database_facts(cursor, connection.introspection.table_names(cursor))
            command = [_program("pg_dump"), "-Fc", "--no-owner", "--no-privileges"]
            process = subprocess.Popen(  # noqa: S603
                [*command, f"--snapshot={snapshot}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_pg_environment(connection.settings_dict),
            )
            try:
                yield facts, _stream(process)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return
    if connection.vendor != "sqlite":
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    source_path = Path(connection.settings_dict["NAME"])
    with tempfile.TemporaryDirectory(dir=source_path.parent, prefix=".backup-") as folder:
        copy_path = Path(folder) / "copy.sqlite3"
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)
            facts = database_facts(copy.cursor(), _sqlite_tables(copy))
        finally:
            source.close()
            copy.close()

        def chunks() -> Iterator[bytes]:
            with copy_path.open("rb") as handle:
                while piece := handle.read(READ_SIZE):
                    yield piece

        yield facts, chunks()


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


# --- Restoring: into an empty database only ---------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a restore writes: a SQLite file or a PostgreSQL database."""

    vendor: str
    params: dict[str, Any]

    @classmethod
    def default(cls) -> Target:
        return cls(connection.vendor, dict(connection.settings_dict))

    @property
    def label(self) -> str:
        return str(self.params["NAME"])

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            path = Path(self.params["NAME"])
            if not path.exists():
                return []
            db = sqlite3.connect(path)
            try:
                return _sqlite_tables(db)
            finally:
                db.close()
        import psycopg

        with psycopg.connect(**_pg_connect(self.params)) as pg:
            rows = pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        return [name for (name,) in rows]

    def facts(self) -> dict[str, Any]:
        if self.vendor == "sqlite":
            db = sqlite3.connect(self.params["NAME"])
            try:
                return database_facts(db.cursor(), _sqlite_tables(db))
            finally:
                db.close()
        import psycopg

        with psycopg.connect(**_pg_connect(self.params)) as pg:
            return database_facts(pg.cursor(), self.tables())

    def load(self, chunks: Iterable[bytes]) -> None:
        """Write a dump into this (empty) target; on failure the target stays empty."""
        with self.writer() as write:
            for chunk in chunks:
                write(chunk)

    @contextmanager
    def writer(self) -> Iterator[Callable[[bytes], object]]:
        """A function taking the dump piece by piece; the restore completes when the block
        ends without error, and leaves the target empty otherwise."""
        if self.vendor == "sqlite":
            path = Path(self.params["NAME"])
            partial = path.with_name(f".{path.name}.restoring-{secrets.token_hex(4)}")
            try:
                with partial.open("xb") as out:
                    partial.chmod(0o600)
                    yield out.write
                    out.flush()
                    os.fsync(out.fileno())
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)  # an empty database only (checked)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
            return
        command = [
            _program("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", "-d", self.label,
        ]  # fmt: skip
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(  # noqa: S603
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=_pg_environment(self.params, self.label),
            )
            assert process.stdin is not None  # noqa: S101  (Popen was given stdin=PIPE)
            try:
                yield process.stdin.write
                process.stdin.close()
            except BaseException:
                process.kill()
                process.wait()
                raise
            if process.wait() != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace").strip()[:500]
                raise BackupError(f"pg_restore failed, nothing was restored: {message}")


def _pg_connect(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": params.get("HOST") or "127.0.0.1",
        "port": params.get("PORT") or 5432,
        "user": params.get("USER") or "postgres",
        "password": params.get("PASSWORD") or None,
        "dbname": params["NAME"],
        "autocommit": True,
    }


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def check_manifest(manifest: dict[str, Any], target: Target) -> None:
    """Refuse, before anything is written, a backup that cannot be restored here."""
    if manifest.get("application") != "digiamen" or manifest.get("format") != 1:
        raise BackupError("This backup was not made by Digi-Amen or by a version it reads.")
    if manifest.get("instance") not in instance_fingerprints():
        raise BackupError(
            "This backup is of another Digi-Amen instance (another secret key). Restore it "
            "with that instance's configuration."
        )
    if manifest.get("vendor") != target.vendor:
        raise BackupError(
            f"This is a {manifest.get('vendor')} backup; the database here is {target.vendor}."
        )
    newer = sorted(set(manifest.get("migrations", [])) - _known_migrations())
    if newer:
        raise BackupError(
            f"This backup was made by a newer version of Digi-Amen ({manifest.get('version')}; "
            f"{len(newer)} unknown migrations such as {newer[0]}). Upgrade first."
        )


def compare(manifest: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    """What differs between a manifest and a restored database (empty when they agree)."""
    problems = []
    expected, found = manifest["row_counts"], facts["row_counts"]
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            problems.append(f"{table}: {expected.get(table)} rows expected, {found.get(table)}")
    if manifest["audit_head"] != facts["audit_head"]:
        problems.append("the audit chain head differs")
    return problems


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    tables: int
    rows: int


def restore(
    open_file: Callable[[], IO[bytes]], private_key: PrivateKey, target: Target
) -> Restored:
    """Check the whole file first (key, instance, version, every frame), then load it into
    the empty target and compare it with the manifest. Any failure leaves the target as it
    was."""
    with open_file() as source:
        reader = backup_file.Reader(source, private_key)
        check_manifest(reader.manifest, target)
        for _ in reader.chunks():  # authenticate every frame before writing anything
            pass
    if target.tables():
        raise BackupError(
            f"The database {target.label} is not empty: restore only into an empty database."
        )
    connections.close_all()
    with open_file() as source:
        reader = backup_file.Reader(source, private_key)
        target.load(reader.chunks())
    problems = compare(reader.manifest, target.facts())
    if problems:
        raise BackupError(
            "The restored database does not match its manifest: " + "; ".join(problems)
        )
    counts = reader.manifest["row_counts"]
    return Restored(reader.manifest, len(counts), sum(counts.values()))


# --- Making a backup, with the drill ----------------------------------------------------------


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    manifest: dict[str, Any]
    drilled: bool
    removed: list[Path]


@contextmanager
def scratch_target() -> Iterator[Target]:
    """An empty database of the same kind, dropped afterwards."""
    params = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        folder = Path(params["NAME"]).parent
        with tempfile.TemporaryDirectory(dir=folder, prefix=".drill-") as scratch:
            yield Target("sqlite", {**params, "NAME": str(Path(scratch) / "drill.sqlite3")})
        return
    import psycopg
    from psycopg import sql

    name = f"{params['NAME']}_drill_{secrets.token_hex(4)}"[:63]
    admin = _pg_connect({**params, "NAME": "postgres"})
    with psycopg.connect(**admin) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Target("postgresql", {**params, "NAME": name})
    finally:
        with psycopg.connect(**admin) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _tee(chunks: Iterable[bytes], copy: Callable[[bytes], object]) -> Iterator[bytes]:
    for chunk in chunks:
        copy(chunk)
        yield chunk


def make_backup(folder: Path, *, keep: int, drill: bool) -> Made:
    """Dump, encrypt to the backup public key, write atomically; with ``drill``, restore
    the same bytes into a scratch database and compare them with the manifest."""
    public_key = configured_public_key()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Names sort by time (pruning relies on it), to the microsecond.
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"{FILE_PREFIX}{stamp}{FILE_SUFFIX}"
    partial = path.with_name("." + path.name + ".partial")
    try:
        with _snapshot() as (facts, chunks):
            manifest = _manifest(connection.vendor, facts)
            with partial.open("xb") as out:
                partial.chmod(0o600)
                if drill:
                    # The bytes being encrypted also stream into a scratch database.
                    with scratch_target() as scratch:
                        with scratch.writer() as copy:
                            backup_file.write(out, public_key, manifest, _tee(chunks, copy))
                        problems = compare(manifest, scratch.facts())
                        if problems:
                            raise BackupError("Drill failed: " + "; ".join(problems))
                else:
                    backup_file.write(out, public_key, manifest, chunks)
                out.flush()
                os.fsync(out.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Made(path, path.stat().st_size, manifest, drill, prune(folder, keep))


def _made_at(path: Path) -> datetime | None:
    stamp = path.name[len(FILE_PREFIX) : -len(FILE_SUFFIX)]
    try:
        return datetime.strptime(stamp, "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def prune(folder: Path, keep: int, *, now: datetime | None = None) -> list[Path]:
    """Keep the ``keep`` newest backups of the folder; delete the older ones, and any older
    than ``BACKUP_MAX_AGE_DAYS`` (the newest one always stays).

    Backups expire with the retention period: one older than a case's closure still holds
    that case's envelopes sealed only to the organisation key.
    """
    backups = sorted(folder.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"), reverse=True)
    oldest_allowed = (now or datetime.now(UTC)) - timedelta(days=settings.BACKUP_MAX_AGE_DAYS)
    removed = backups[max(keep, 1) :] + [
        path
        for path in backups[1 : max(keep, 1)]
        if (made := _made_at(path)) is not None and made < oldest_allowed
    ]
    for old in removed:
        old.unlink()
    return removed


__all__ = ["BackupError", "BackupUnreadable", "make_backup", "restore"]
