import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0011_membership_saved_filters'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Campaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=40, unique=True)),
                ('name', models.CharField(max_length=120)),
                ('channel', models.CharField(choices=[('poster', 'Posters and leaflets'), ('school_session', 'School sessions'), ('radio', 'Radio or television'), ('social_media', 'Social media'), ('community', 'Community events'), ('other', 'Other')], max_length=16)),
                ('admin1', models.CharField(blank=True, max_length=8)),
                ('starts_on', models.DateField()),
                ('ends_on', models.DateField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
            ],
            options={
                'ordering': ['-starts_on', 'code'],
            },
        ),
        migrations.CreateModel(
            name='AwarenessSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('held_on', models.DateField()),
                ('admin1', models.CharField(max_length=8)),
                ('setting', models.CharField(choices=[('school', 'School'), ('care_centre', 'Care centre'), ('place_of_worship', 'Mosque, church or other place of worship'), ('youth_club', 'Youth club'), ('online', 'Online'), ('community_meeting', 'Community meeting')], max_length=24)),
                ('audience', models.CharField(choices=[('children', 'Children (10 to 13)'), ('adolescents', 'Adolescents (14 to 17)'), ('caregivers', 'Parents and caregivers'), ('educators', 'Teachers, care workers and service providers'), ('leaders', 'Religious and community leaders'), ('mixed', 'Mixed audience')], max_length=16)),
                ('participants', models.JSONField(default=dict)),
                ('children_reached', models.PositiveIntegerField(default=0)),
                ('adults_reached', models.PositiveIntegerField(default=0)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('facilitator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='sessions', to='awareness.campaign')),
            ],
            options={
                'ordering': ['-held_on', '-id'],
                'indexes': [models.Index(fields=['organisation', 'held_on'], name='awareness_session_org_day')],
            },
        ),
    ]
