"""The report's categories the staff queue filters on (harm types, area, age band, channel),
copied onto the case so a filtered queue never joins the reports; existing cases are filled
from their reports. On PostgreSQL a GIN index (jsonb_path_ops) answers the harm-type
containment (``@>``, digiamen/core/jsonlists.py); SQLite (the embedded mode) has no such
index and reads its small data with ``json_each``."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

COPIES = ("harm_types", "admin1", "age_band", "channel")
INDEX = "cases_case_harm_types_gin"


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Report = apps.get_model("intake", "Report")
    db = schema_editor.connection.alias
    Case.objects.using(db).update(
        **{
            field: Subquery(
                Report.objects.using(db).filter(pk=OuterRef("report_id")).values(field)[:1]
            )
            for field in COPIES
        }
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case USING gin (harm_types jsonb_path_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_recent_index"),
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="harm_types",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="case",
            name="admin1",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name="case",
            name="age_band",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="case",
            name="channel",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
