"""A trigger moves the audit chain head to each new audit row, in the insert's own
statement: appending the case page's reads is then two statements (lock the head and take
the ids, insert the chained rows) instead of four (digiamen/core/audit.py).

The head only moves forward (``last_event_id < NEW.id``): rows inserted out of id order in
one statement leave it at the newest, and loading a dump whose head is already there
changes nothing. Written for each database the project runs on: SQLite and PostgreSQL."""

from django.db import migrations

SQLITE_CREATE = """
CREATE TRIGGER core_auditevent_moves_head AFTER INSERT ON core_auditevent
FOR EACH ROW BEGIN
    UPDATE core_auditchainhead SET last_event_id = NEW.id, last_hash = NEW.row_hash
    WHERE id = 1 AND last_event_id < NEW.id;
END
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS core_auditevent_moves_head"

POSTGRESQL_CREATE = [
    """
    CREATE OR REPLACE FUNCTION core_audit_head_follows() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE core_auditchainhead SET last_event_id = NEW.id, last_hash = NEW.row_hash
        WHERE id = 1 AND last_event_id < NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER core_auditevent_moves_head AFTER INSERT ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_audit_head_follows()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_moves_head ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_audit_head_follows()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_CREATE)
    elif schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, [SQLITE_CREATE])
    else:
        raise RuntimeError("The audit log's trigger is written for SQLite and PostgreSQL only.")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_DROP)
    elif schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, [SQLITE_DROP])


class Migration(migrations.Migration):
    dependencies = [("core", "0005_supervision_circle")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
