"""Networks moved to the networks app: the evidence app's models point there, and forget
their own copies. State only: the tables and their rows stay (networks.0001)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("media", "0002_hash_banks_point_to_networks_app"),
        ("networks", "0001_initial"),
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
    ]
