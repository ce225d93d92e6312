"""Upgrades without data loss: every migration reverses, the demo data survives going back
and forth, `manage.py upgrade` backs up first and puts the schema back when a migration fails."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import CreateModel
from django.test import override_settings

from digiamen.operations.backups import Target
from digiamen.operations.upgrade import applied_heads, pending_migrations

# Migrations that cannot be reversed, each with why and what to do instead (docs/operations.md).
IRREVERSIBLE: dict[str, str] = {}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _schema_whole_afterwards() -> Iterator[None]:
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS operations_heartbeat_blocker")
    call_command("migrate", interactive=False, verbosity=0)


def own_migrations() -> list[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(
        key for key, migration in loader.disk_migrations.items()
        if type(migration).__module__.startswith("digiamen.")
    )  # fmt: skip


def test_every_migration_can_be_reversed() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = own_migrations()
    assert len(found) >= 20
    for app, name in found:
        migration = loader.disk_migrations[(app, name)]
        for operation in migration.operations:
            assert operation.reversible or f"{app}.{name}" in IRREVERSIBLE, (app, name, operation)


# How many of each app's newest migrations are taken back and applied again over the demo
# data: the schemas a running version can be at when the next one is installed. (Every
# migration was taken back and forth this way when it was among its app's newest; a landed
# migration never changes. Doing it for all of them again on every run cost 12 of CI's 90
# minutes, and grew with the square of their number.)
NEWEST_PER_APP = 2


def newest_migrations(loader: MigrationLoader) -> list[tuple[str, str, str]]:
    """(app, migration, its parent in the same app) for each app's newest migrations that
    have such a parent (an initial migration has no earlier schema of its app)."""
    by_app: dict[str, list[tuple[str, str, str]]] = {}
    for app, name in own_migrations():
        node = loader.graph.node_map[(app, name)]
        same_app = [parent.key[1] for parent in node.parents if parent.key[0] == app]
        if same_app:
            by_app.setdefault(app, []).append((app, name, same_app[0]))
    return [key for keys in by_app.values() for key in keys[-NEWEST_PER_APP:]]


def test_each_apps_latest_migration_is_taken_back_and_forth() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    chosen = newest_migrations(loader)
    chosen_keys = {(app, name) for app, name, _previous in chosen}
    for app, name in set(loader.graph.leaf_nodes()) & set(own_migrations()):
        if any(parent.key[0] == app for parent in loader.graph.node_map[(app, name)].parents):
            assert (app, name) in chosen_keys
    assert max(Counter(app for app, _name, _previous in chosen).values()) == NEWEST_PER_APP


def test_newest_migrations_apply_over_the_demo_data_at_their_previous_schema(
    tmp_path: Path,
) -> None:
    """For each app's newest migrations: with the demo data loaded, the database is taken
    back to the schema before it (unapplying it and what builds on it), then upgraded again.
    Every row survives, except in the tables those migrations create (they start empty
    again: that is what unapplying them means)."""
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo", stdout=StringIO())
    start = Target.default().facts()["row_counts"]
    assert start["cases_case"] > 0 and start["intake_report"] > 0
    loader = MigrationLoader(None, ignore_no_migrations=True)
    tried = []
    for app, name, previous in newest_migrations(loader):
        # The table a CreateModel made, named as it was then (a model may have moved to
        # another app since, keeping its table: networks).
        recreated = {
            operation.options.get("db_table") or f"{label}_{operation.name.lower()}"
            for label, migration in loader.graph.backwards_plan((app, name))
            for operation in loader.disk_migrations[(label, migration)].operations
            if isinstance(operation, CreateModel)
        }
        before = Target.default().facts()["row_counts"]
        call_command("migrate", app, previous, interactive=False, verbosity=0)
        assert applied_heads({app}) == {app: previous}
        call_command("migrate", interactive=False, verbosity=0)
        after = Target.default().facts()["row_counts"]
        assert {t: n for t, n in after.items() if t not in recreated} == {
            t: n for t, n in before.items() if t not in recreated
        }, f"{app}.{name}"
        tried.append(f"{app}.{name}")
    assert len(tried) >= 10, tried
    assert pending_migrations() == []


def test_upgrade_backs_up_then_migrates(tmp_path: Path, settings: Any) -> None:
    settings.BACKUP_PUBLIC_KEY_FILE = tmp_path / "backup_public_key"
    settings.BACKUP_DIR = tmp_path / "backups"
    call_command("migrate", "operations", "0001_heartbeat", interactive=False, verbosity=0)
    assert pending_migrations() == ["operations.0002_audit_witnesses"]
    with pytest.raises(CommandError, match="No backup, so no upgrade: No backup public key"):
        call_command("upgrade", stdout=StringIO())
    assert pending_migrations() == ["operations.0002_audit_witnesses"]  # nothing was done

    call_command("backup_key", stdout=StringIO())
    out = StringIO()
    call_command("upgrade", stdout=out)
    text = out.getvalue()
    assert "1 migrations to apply: operations.0002_audit_witnesses." in text
    assert "Backup made and drilled" in text and text.endswith("Upgrade complete.\n")
    assert pending_migrations() == [] and len(list(settings.BACKUP_DIR.glob("*.backup"))) == 1

    out = StringIO()
    call_command("upgrade", stdout=out)
    assert "no migration to apply" in out.getvalue()
    assert len(list(settings.BACKUP_DIR.glob("*.backup"))) == 1  # none needed


def test_a_failed_migration_puts_the_schema_back() -> None:
    call_command("migrate", "intake", "0003", interactive=False, verbosity=0)
    call_command("migrate", "operations", "zero", interactive=False, verbosity=0)
    before = applied_heads({"intake", "operations"})
    assert before == {"intake": "0003_report_statistics_index", "operations": "zero"}
    with connection.cursor() as cursor:  # the next migration's table is in the way
        cursor.execute("CREATE TABLE operations_heartbeat (blocker INTEGER)")
    out = StringIO()
    try:
        with pytest.raises(CommandError, match="the schema was put back as it was"):
            call_command("upgrade", no_backup=True, stdout=out)
        assert "A migration failed" in out.getvalue()
        assert applied_heads({"intake", "operations"}) == before
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE operations_heartbeat")


def test_production_never_upgrades_without_a_backup(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="always starts with a backup"):
        call_command("upgrade", no_backup=True, stdout=StringIO())


def test_a_new_empty_database_is_migrated_without_a_backup(settings: Any) -> None:
    from digiamen.operations.upgrade import upgrade

    said: list[str] = []
    call_command("migrate", "operations", "zero", interactive=False, verbosity=0)
    with patch("digiamen.operations.upgrade.database_is_empty", return_value=True):
        upgrade(with_backup=True, say=said.append)
    assert "A new, empty database: nothing to back up." in said and pending_migrations() == []
