"""`manage.py doctor`: what is wrong with this installation, in plain words, with what to do."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from digiamen.core.audit import verify_chain
from digiamen.operations import health
from digiamen.operations.backups import FILE_PREFIX, FILE_SUFFIX
from digiamen.safeguarding.models import BackupRun

BACKUP_MAX_DAYS = 2
DISK_MIN_FREE_BYTES = 1 << 30
DISK_MIN_FREE_SHARE = 0.10
CERTIFICATE_MIN_DAYS = 14


def _remedy(check: health.Check) -> health.Check:
    remedies = {
        "database": "check DATABASE_URL and that PostgreSQL is running",
        "queue": "start the queue consumer: `manage.py run_huey` (systemd: digiamen-queue)",
        "match_index": "look for errors in the application log; restart the application",
        "audit_trigger": (
            "the database was restored or changed without its triggers: restore a backup made "
            "by `manage.py backup`, or make the trigger again with the SQL of "
            "digiamen/core/migrations/0006_audit_head_follows_inserts.py, then run "
            "`manage.py verify_audit`"
        ),
    }
    if check.ok:
        return check
    return health.Check(check.name, False, f"{check.detail}; {remedies[check.name]}")


def migrations() -> health.Check:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return health.Check(
            "migrations",
            False,
            f"{len(plan)} migrations not applied; back up, then run `manage.py migrate`",
        )
    return health.Check("migrations", True, "the database schema is current")


def backups() -> health.Check:
    if not Path(settings.BACKUP_PUBLIC_KEY_FILE).is_file():
        return health.Check(
            "backups", False, "no backup key, so no backups; run `manage.py backup_key`"
        )
    last = BackupRun.objects.order_by("-ran_at").first()
    if last is None:
        return health.Check("backups", False, "no backup has passed its drill yet")
    days = (timezone.now() - last.ran_at).total_seconds() / 86400
    if days > BACKUP_MAX_DAYS:
        return health.Check(
            "backups",
            False,
            f"the last backup that passed its drill is {days:.1f} days old; "
            "check the queue consumer and `manage.py backup --drill`",
        )
    files = sorted(Path(settings.BACKUP_DIR).glob(f"{FILE_PREFIX}*{FILE_SUFFIX}"))
    return health.Check(
        "backups",
        True,
        f"last backup {days * 24:.0f} h ago, {len(files)} kept in {settings.BACKUP_DIR}; "
        "copy them off this machine",
    )


def disk() -> health.Check:
    folders = {Path(settings.VAR_DIR), Path(settings.BACKUP_DIR)}
    problems, notes = [], []
    for folder in sorted(folders):
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
        usage = shutil.disk_usage(existing)
        share = usage.free / usage.total if usage.total else 0.0
        note = f"{folder}: {usage.free / (1 << 30):.1f} GiB free ({share:.0%})"
        notes.append(note)
        if usage.free < DISK_MIN_FREE_BYTES or share < DISK_MIN_FREE_SHARE:
            problems.append(note)
    if problems:
        return health.Check("disk", False, "little disk space left: " + "; ".join(problems))
    return health.Check("disk", True, "; ".join(notes))


def certificate() -> health.Check:
    path = settings.TLS_CERTIFICATE_FILE
    if not path:
        return health.Check("certificate", True, "not watched (TLS_CERTIFICATE_FILE not set)")
    openssl = shutil.which("openssl")
    if not openssl or not Path(path).is_file():
        return health.Check("certificate", False, f"cannot read the certificate at {path}")
    result = subprocess.run(  # noqa: S603
        [openssl, "x509", "-enddate", "-noout", "-in", path],
        capture_output=True,
        text=True,
        check=False,
        timeout=10,
    )
    if result.returncode != 0 or "=" not in result.stdout:
        return health.Check("certificate", False, f"{path} is not a readable certificate")
    text = result.stdout.strip().split("=", 1)[1].replace("  ", " ")
    try:
        ends = datetime.strptime(text, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
    except ValueError:
        ends = parsedate_to_datetime(text)
    days = (ends - datetime.now(UTC)).total_seconds() / 86400
    if days < CERTIFICATE_MIN_DAYS:
        return health.Check(
            "certificate", False, f"the TLS certificate expires in {days:.0f} days; renew it"
        )
    return health.Check("certificate", True, f"the TLS certificate is valid for {days:.0f} days")


def redis_persistence() -> health.Check:
    if not settings.REDIS_URL:
        return health.Check("redis", True, "not used (single machine)")
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
        save = client.config_get("save").get("save", "")
        appendonly = client.config_get("appendonly").get("appendonly", "no")
    except redis.RedisError as error:
        return health.Check("redis", False, f"cannot ask Redis ({type(error).__name__})")
    if save or appendonly == "yes":
        return health.Check(
            "redis",
            False,
            "Redis writes to disk (it holds the daily key that pseudonymises addresses); "
            'run it with --save "" --appendonly no',
        )
    return health.Check("redis", True, "Redis keeps nothing on disk")


def audit_chain() -> health.Check:
    broken = verify_chain()
    if broken:
        return health.Check(
            "audit", False, f"the audit chain breaks at event {broken.event_id}: {broken.reason}"
        )
    return health.Check("audit", True, "the audit chain is whole")


CHECKS: list[Callable[[], health.Check]] = [
    migrations,
    backups,
    disk,
    certificate,
    redis_persistence,
    audit_chain,
]


def examine() -> list[health.Check]:
    checks = [_remedy(check) for check in health.readiness()]
    if not checks[0].ok:
        return checks
    return checks + [check() for check in CHECKS]
