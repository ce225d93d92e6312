from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0011_membership_saved_filters'),
        ('intake', '0011_report_campaign'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='report',
            name='report_statistics_cover',
        ),
        migrations.AddIndex(
            model_name='report',
            index=models.Index(condition=models.Q(('consent_statistics', True)), fields=['organisation', 'created_at'], include=('harm_types', 'platforms', 'age_band', 'sex', 'disability', 'country', 'admin1', 'locality', 'reporter_type', 'channel', 'perpetrator_relationship', 'campaign'), name='report_statistics_cover'),
        ),
        migrations.AddIndex(
            model_name='report',
            index=models.Index(condition=models.Q(('consent_statistics', True)), fields=['organisation', 'admin1', 'created_at'], name='report_org_area_day'),
        ),
    ]
