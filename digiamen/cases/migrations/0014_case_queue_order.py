from django.db import migrations, models


def order_existing_cases(apps, schema_editor):  # type: ignore[no-untyped-def]
    """As cases.models.queue_order, for the cases there are (a snapshot of that rule)."""
    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.only(
        "status", "risk_level", "urgent_flags", "first_contacted_at", "first_contact_due",
        "created_at",
    ).iterator(chunk_size=2000):
        closed = case.status == "closed"
        if not closed and (case.risk_level == "high" or case.urgent_flags):
            case.danger, case.queue_key = 0, int(case.first_contact_due.timestamp())
        elif not closed and case.first_contacted_at is None:
            case.danger, case.queue_key = 1, int(case.first_contact_due.timestamp())
        else:
            case.danger, case.queue_key = 2, -int(case.created_at.timestamp())
        batch.append(case)
        if len(batch) >= 2000:
            Case.objects.bulk_update(batch, ["danger", "queue_key"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["danger", "queue_key"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_case_opened_at")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="danger",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="case",
            name="queue_key",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(order_existing_cases, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["organisation", "danger", "queue_key"], name="case_danger"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["organisation", "status", "danger", "queue_key"],
                name="case_danger_status",
            ),
        ),
    ]
