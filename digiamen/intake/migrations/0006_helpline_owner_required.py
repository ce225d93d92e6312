"""Every helpline has its owner (assigned in 0005): the column becomes required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_helpline_owner"),
    ]

    operations = [
        migrations.AlterField(
            model_name="helpline",
            name="owner",
            field=models.ForeignKey(
                on_delete=models.PROTECT,
                related_name="helplines",
                to="accounts.organisation",
            ),
        ),
    ]
