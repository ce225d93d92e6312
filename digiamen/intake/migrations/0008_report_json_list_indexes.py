"""GIN indexes on the report's harm types and platforms, for the staff queue's filters
(``@>`` containment, digiamen/core/jsonlists.py). PostgreSQL only: SQLite (the embedded mode)
has no such index and filters its small data by text."""

from django.db import migrations

INDEXES = [
    ("intake_report_harm_types_gin", "harm_types"),
    ("intake_report_platforms_gin", "platforms"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON intake_report USING gin ({column} jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("intake", "0007_report_mailbox_home")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
