from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0010_reporter_message_signatures'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='campaign',
            field=models.CharField(blank=True, db_default='', default='', max_length=40),
        ),
    ]
