"""Referrals moved to the referrals app: the directory forgets its own copy of the model.
State only: the table and its rows stay (referrals.0001). Django's content type (and its
permissions) follows the model to its new app."""

from typing import Any

from django.db import migrations

from digiamen.core.model_moves import move_content_types

MOVED = ("referral",)


def forwards(apps: Any, schema_editor: Any) -> None:
    move_content_types(apps, MOVED, "directory", "referrals")


def backwards(apps: Any, schema_editor: Any) -> None:
    move_content_types(apps, MOVED, "referrals", "directory")


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
