"""The nightly backup and the hourly signed audit head, run by the Huey consumer
(``manage.py run_huey``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, on_startup

from digiamen.alerts import events as alerts_events
from digiamen.operations import witness
from digiamen.operations.actions import record_backup_run, record_heartbeat
from digiamen.operations.backups import make_backup


@db_periodic_task(crontab(hour="2", minute="30"))
def nightly_backup() -> str:
    """Backup with its drill, keeping BACKUP_KEEP copies; recorded only when the drill
    passed. Nothing happens until a backup key pair was made (`manage.py backup_key`)."""
    if not settings.BACKUP_IN_QUEUE:
        return "backups are made by the system timer (digiamen-backup.timer)"
    if not Path(settings.BACKUP_PUBLIC_KEY_FILE).is_file():
        return "no backup public key: nightly backups are off"
    made = make_backup(Path(settings.BACKUP_DIR), keep=settings.BACKUP_KEEP, drill=True)
    record_backup_run()
    return f"{made.path.name}: {made.size} bytes, drill passed"


@db_periodic_task(crontab())
def queue_heartbeat() -> None:
    """Every minute: the readiness check and `manage.py doctor` read how long ago."""
    record_heartbeat("queue")


@on_startup()
def heartbeat_at_start() -> None:
    # Ready at once after a restart, not at the next minute.
    close_old_connections()
    record_heartbeat("queue")
    close_old_connections()


@db_periodic_task(crontab(minute="7"))
def sign_audit_head() -> str:
    """Every hour: the audit chain's head signed with the instance key (a checkpoint that a
    rewrite of the chain cannot reproduce without the key)."""
    checkpoint = witness.sign_head()
    if checkpoint is None:
        return "nothing new"
    # And to the admins as a fingerprint, a copy of the head outside the server.
    alerts_events.audit_head_signed(
        checkpoint.last_event_id,
        witness.fingerprint(checkpoint.last_event_id, checkpoint.last_hash),
        now=checkpoint.signed_at,
    )
    return f"head {checkpoint.last_event_id} signed"
