"""Networks moved to the networks app: the evidence app's models point there, and forget
their own copies. State only: the tables and their rows stay (networks.0001). Django's
content types (and their permissions) follow the models to their new app."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from digiamen.core.model_moves import move_content_types

MOVED = ("network", "networkmember")


def forwards(apps: Any, schema_editor: Any) -> None:
    move_content_types(apps, MOVED, "evidence", "networks")


def backwards(apps: Any, schema_editor: Any) -> None:
    move_content_types(apps, MOVED, "networks", "evidence")


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("media", "0002_hash_banks_point_to_networks_app"),
        ("networks", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="peerinstance",
                    name="network",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="peers",
                        to="networks.network",
                    ),
                ),
                migrations.AlterField(
                    model_name="sharedaggregate",
                    name="network",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aggregates",
                        to="networks.network",
                    ),
                ),
                migrations.DeleteModel(name="NetworkMember"),
                migrations.DeleteModel(name="Network"),
            ],
        ),
            migrations.RunPython(forwards, backwards),
    ]
