
from django.db import migrations, models


def audit_head_by_email(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Members who chose their channels before this kind existed get it as every kind
    starts: in the app and by e-mail (only admins receive it)."""
    AlertPreference = apps.get_model("alerts", "AlertPreference")
    for preference in AlertPreference.objects.all():
        channels = dict(preference.channels or {})
        if "audit_head" not in channels:
            channels["audit_head"] = ["in_app", "email"]
            AlertPreference.objects.filter(pk=preference.pk).update(channels=channels)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0006_alert_policy'),
    ]

    operations = [
        migrations.AddField(
            model_name='alert',
            name='fingerprint',
            field=models.CharField(blank=True, default='', max_length=40),
        ),
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('new_report', 'A new report'), ('assigned', 'A case assigned to you'), ('escalation', 'An urgent case nobody has opened'), ('deadline_half', 'Half the time to first contact has passed'), ('deadline', 'First contact is overdue'), ('reporter_wrote', 'A reporter wrote on a case of yours'), ('transfer_in', 'A case transferred to your organisation'), ('referral_in', 'A referral to your organisation'), ('referral_answer', 'An answer to your referral'), ('platform_silent', 'A platform has not answered your escalation'), ('task_due', 'A task of yours is due'), ('closure', 'A closure waits for your approval'), ('security', "Your account's security"), ('audit_head', "The audit log's fingerprint (admins)")], max_length=16),
        ),
        migrations.RunPython(audit_head_by_email, migrations.RunPython.noop),
    ]
