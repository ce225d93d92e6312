"""`manage.py upgrade`: back up, migrate, check; put the schema back if a migration fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from digiamen.operations.actions import record_backup_run
from digiamen.operations.backups import BackupError, make_backup


class UpgradeFailed(Exception):
    """Said to the operator as it is, with what state the database was left in."""


@dataclass
class Upgrade:
    migrations: list[str] = field(default_factory=list)
    backup: Path | None = None
    rolled_back: bool = False


def _executor() -> MigrationExecutor:
    return MigrationExecutor(connections[DEFAULT_DB_ALIAS])


def pending_migrations() -> list[str]:
    executor = _executor()
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def applied_heads(apps: set[str]) -> dict[str, str]:
    """For each app, its newest applied migration ("zero" when none)."""
    executor = _executor()
    applied = executor.loader.applied_migrations or {}
    heads = {}
    for app in apps:
        names = sorted(name for label, name in applied if label == app)
        heads[app] = names[-1] if names else "zero"
    return heads


def database_is_empty() -> bool:
    """A new installation: no table yet, so nothing to back up before migrating."""
    return not connections[DEFAULT_DB_ALIAS].introspection.table_names()


def upgrade(*, with_backup: bool, say: Callable[[str], object]) -> Upgrade:
    done = Upgrade(pending_migrations())
    if not done.migrations:
        say("The database schema is current: no migration to apply.")
    else:
        names = ", ".join(done.migrations[:8]) + (", …" if len(done.migrations) > 8 else "")
        say(f"{len(done.migrations)} migrations to apply: {names}.")
        if with_backup and database_is_empty():
            say("A new, empty database: nothing to back up.")
        elif with_backup:
            try:
                made = make_backup(Path(settings.BACKUP_DIR), keep=settings.BACKUP_KEEP, drill=True)
            except BackupError as error:
                raise UpgradeFailed(f"No backup, so no upgrade: {error}") from None
            record_backup_run()
            done.backup = made.path
            say(f"Backup made and drilled: {made.path}.")
        before = applied_heads({name.split(".")[0] for name in done.migrations})
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except Exception as error:  # any failure of any migration: put the schema back
            say(f"A migration failed ({type(error).__name__}: {error}); putting the schema back.")
            _roll_back(before, done.backup)
            done.rolled_back = True
            raise UpgradeFailed(
                "The upgrade failed and the schema was put back as it was: start the previous "
                "version of the code again, and report the error above."
            ) from error
        say("Migrations applied.")
    call_command("check", deploy=True, fail_level="ERROR", verbosity=0, stdout=StringIO())
    say("Deployment checks passed.")
    return done


def _roll_back(before: dict[str, str], backup: Path | None) -> None:
    for app, head in sorted(before.items()):
        try:
            call_command("migrate", app, head, interactive=False, verbosity=0)
        except Exception as error:
            where = f"restore {backup} into an empty database" if backup else "restore a backup"
            raise UpgradeFailed(
                f"The upgrade failed and putting {app} back to {head} failed too ({error}): "
                f"{where} with `manage.py restore`, with the previous version of the code."
            ) from error
