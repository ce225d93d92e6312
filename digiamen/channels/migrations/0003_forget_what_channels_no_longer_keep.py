# Before the channels keep less (0004): what the new rules would not have kept goes.

from django.db import migrations


def forget_what_the_new_rules_do_not_keep(apps, schema_editor):
    """Open conversations held the reporter's words under the server key: they go (they
    last 30 minutes anyway). A finished conversation keeps its number only if the reporter
    agreed to be contacted. Sent outbox rows, and remembered answers (receipts under the
    server key), go too."""
    Conversation = apps.get_model("channels", "Conversation")
    OutboundMessage = apps.get_model("channels", "OutboundMessage")
    InboundMessage = apps.get_model("channels", "InboundMessage")
    Conversation.objects.filter(report__isnull=True).delete()
    Conversation.objects.filter(report__consent_contact=False).delete()
    OutboundMessage.objects.exclude(status="queued").delete()
    InboundMessage.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0002_field_workers'),
        ('intake', '0004_report_perpetrator_relationship'),
    ]

    operations = [
        migrations.RunPython(forget_what_the_new_rules_do_not_keep, migrations.RunPython.noop),
    ]
