"""Referrals moved here from the directory app. The table stays as it is (same name, same
rows): this migration only tells Django's state where the model now lives."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_organisation_discreet_title'),
        ('cases', '0006_transfers'),
        # The table was made by the directory app.
        ('directory', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='Referral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('service_type', models.CharField(choices=[('child_helpline', 'Child helpline'), ('medical_care', 'Medical care'), ('psychosocial_support', 'Psychosocial support'), ('legal_aid', 'Legal aid'), ('safe_accommodation', 'Safe accommodation'), ('police_cybercrime_unit', 'Police cyber-crime unit'), ('child_friendly_justice', 'Child-friendly justice'), ('education_and_awareness', 'Education and awareness'), ('economic_empowerment', 'Economic empowerment'), ('digital_evidence_and_takedown', 'Digital evidence and takedown support'), ('disability_services', 'Disability services'), ('other', 'Other service')], max_length=40)),
                ('country', models.CharField(blank=True, max_length=2)),
                ('admin1', models.CharField(blank=True, max_length=16)),
                ('status', models.CharField(choices=[('sent', 'Sent'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('completed', 'Completed')], default='sent', max_length=16)),
                ('sealed_reason', models.BinaryField(default=b'')),
                ('sealed_copy', models.BinaryField(default=b'')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('declined_at', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('version', models.PositiveIntegerField(default=1)),
                ('answered_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referrals', to='cases.case')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('from_organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals_out', to='accounts.organisation')),
                ('to_organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='referrals_in', to='accounts.organisation')),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='directory.service')),
            ],
            options={
                'db_table': 'directory_referral',
                'ordering': ['-sent_at', '-id'],
                'indexes': [models.Index(fields=['from_organisation', '-sent_at'], name='referral_out'), models.Index(fields=['to_organisation', 'status'], name='referral_in'), models.Index(fields=['service_type', 'admin1'], name='referral_stats')],
            },
        ),
                ],
        ),
    ]
