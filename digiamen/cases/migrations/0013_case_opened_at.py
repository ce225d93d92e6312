from django.db import migrations, models
from django.db.models import F


def opened_when_indexed(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Before this field, a case's first opening was known only by its indexing (which a key
    rotation clears): the best record there is."""
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(indexed_at__isnull=False).update(opened_at=F("indexed_at"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_case_sealed_for_assignee")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="opened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(opened_when_indexed, migrations.RunPython.noop),
    ]
