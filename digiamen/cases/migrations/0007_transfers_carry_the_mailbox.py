"""Cases received by transfer before transfers carried the reporter's mailbox get it now,
under the rule new transfers follow: the reporter's own referral consent (not a supervisor's
best-interests decision) at the time of the transfer, and a mailbox the reporter can open.

Only public material is copied (the mailbox public key and the summary sealed to it).
"""

from django.db import migrations


def carry_mailboxes(apps, schema_editor):
    Transfer = apps.get_model("cases", "Transfer")
    ConsentRecord = apps.get_model("cases", "ConsentRecord")
    Report = apps.get_model("intake", "Report")
    accepted = Transfer.objects.filter(status="accepted", new_case__isnull=False).select_related(
        "case", "new_case"
    )
    # Oldest first: along a chain of transfers, each copy passes on what it just received.
    for transfer in accepted.order_by("created_at", "id"):
        if transfer.new_case.purged_at is not None:
            continue
        source = Report.objects.get(pk=transfer.case.report_id)
        copy = Report.objects.get(pk=transfer.new_case.report_id)
        if bytes(copy.mailbox_public_key) or not bytes(source.mailbox_public_key):
            continue
        if source.channel == "offline_form":  # the reporter never had a receipt
            continue
        latest = (
            ConsentRecord.objects.filter(
                case_id=transfer.case_id, purpose="referral", recorded_at__lte=transfer.created_at
            )
            .order_by("-recorded_at", "-id")
            .first()
        )
        if latest is None or not latest.granted or latest.method == "override":
            continue
        copy.mailbox_public_key = bytes(source.mailbox_public_key)
        copy.reporter_summary = bytes(source.reporter_summary)
        copy.mailbox_home_id = source.mailbox_home_id or source.pk
        copy.save(update_fields=["mailbox_public_key", "reporter_summary", "mailbox_home"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_transfers"),
        ("intake", "0007_report_mailbox_home"),
    ]

    operations = [migrations.RunPython(carry_mailboxes, migrations.RunPython.noop)]
