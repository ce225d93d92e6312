"""Duplicate hints were keyed from the first key generation with the first key derivation;
they are now keyed from the current generation (cases/duplicates.py). The old digests are
deleted and every case is indexed again, with the new key, the next time a member opens it.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def forget_old_digests(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("cases", "BlindIndexEntry").objects.all().delete()
    apps.get_model("cases", "Case").objects.filter(indexed_at__isnull=False).update(
        indexed_at=None
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_transfers_carry_the_mailbox")]

    operations = [migrations.RunPython(forget_old_digests, migrations.RunPython.noop)]
