"""The trust anchor (core.key_signing): every signed organisation's generation 1 and recovery
public key pinned with a MAC keyed from SECRET_KEY, as they are at migration time."""

from typing import Any

from django.db import migrations, models


def anchor_signed_organisations(apps: Any, schema_editor: Any) -> None:
    from digiamen.core.key_signing import compute_anchor

    Organisation = apps.get_model("accounts", "Organisation")
    OrganisationKey = apps.get_model("core", "OrganisationKey")
    for organisation in Organisation.objects.filter(keys_signed_at__isnull=False):
        first = OrganisationKey.objects.filter(organisation=organisation, version=1).first()
        if first is None or not bytes(first.verify_key or b""):
            continue
        Organisation.objects.filter(pk=organisation.pk).update(
            key_anchor=compute_anchor(
                organisation.pk,
                bytes(first.public_key),
                bytes(first.verify_key),
                bytes(organisation.recovery_public_key),
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_organisation_case_keys_migrated_at"),
        ("core", "0004_casework_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="key_anchor",
            field=models.BinaryField(blank=True, max_length=32, null=True),
        ),
        migrations.RunPython(anchor_signed_organisations, migrations.RunPython.noop),
    ]
