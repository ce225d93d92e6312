"""Referrals moved to the referrals app: the directory forgets its own copy of the model.
State only: the table and its rows stay (referrals.0001). Django's content type (and its
permissions) follows the model to its new app."""

from typing import Any

from django.db import migrations

MOVED = ("referral",)


def _move_content_types(apps: Any, old_label: str, new_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new_label, model=model).exists():
            # Made for the new app already (a database migrated back and forth): the old
            # one is stale; its permissions go with it.
            ContentType.objects.filter(app_label=old_label, model=model).delete()
        else:
            ContentType.objects.filter(app_label=old_label, model=model).update(
                app_label=new_label
            )


def forwards(apps: Any, schema_editor: Any) -> None:
    _move_content_types(apps, "directory", "referrals")


def backwards(apps: Any, schema_editor: Any) -> None:
    _move_content_types(apps, "referrals", "directory")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("referrals", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Referral")],
        ),
        migrations.RunPython(forwards, backwards),
    ]
