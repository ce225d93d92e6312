from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0009_report_statistics_covering_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='reporter_signature',
            field=models.BinaryField(db_default=b'', default=b''),
        ),
        migrations.AddField(
            model_name='report',
            name='mailbox_verify_key',
            field=models.BinaryField(db_default=b'', default=b''),
        ),
    ]
