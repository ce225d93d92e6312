"""Networks moved here from the evidence app. The tables stay as they are (same names, same
rows): this migration only tells Django's state where the models now live."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        # The tables were made by the evidence app.
        ('evidence', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='Network',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('slug', models.SlugField(unique=True)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(choices=[('national', 'National working group'), ('regional', 'Regional network')], max_length=16)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('secretariat', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='networks_run', to='accounts.organisation')),
            ],
            options={
                'db_table': 'evidence_network',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='NetworkMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shares_statistics', models.BooleanField(default=False)),
                ('sharing_changed_at', models.DateTimeField(blank=True, null=True)),
                ('joined_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('network', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='networks.network')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='network_memberships', to='accounts.organisation')),
            ],
            options={
                'db_table': 'evidence_networkmember',
                'ordering': ['organisation__name'],
                'constraints': [models.UniqueConstraint(fields=('network', 'organisation'), name='one_network_member')],
            },
        ),
                ],
        ),
    ]
