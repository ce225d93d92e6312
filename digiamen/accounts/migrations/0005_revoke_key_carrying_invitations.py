"""Revoke every open invitation that still carries the organisation key.

Before 0004 an invitation sealed the organisation's private key to its link, and a removal
re-sealed the new key generation to every open link, including links a removed admin had
made and kept. Such a link would open the current generation; revoking it (and erasing the
sealed key) is the only way to be sure none does. Admins send new invitations, which carry
no key (the new member's key fingerprint is confirmed first). The revocations are not in
the audit log: a migration does not write the hash-chained log; the members page simply no
longer lists them.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone


def revoke_key_carrying_invitations(apps: Any, schema_editor: Any) -> None:
    Invitation = apps.get_model("accounts", "Invitation")
    Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).exclude(
        sealed_organisation_key=b""
    ).update(revoked_at=timezone.now(), sealed_organisation_key=b"")
    # Used, withdrawn or expired invitations keep no key either.
    Invitation.objects.exclude(sealed_organisation_key=b"").update(sealed_organisation_key=b"")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_membership_key_pending")]

    operations = [
        migrations.RunPython(revoke_key_carrying_invitations, migrations.RunPython.noop),
    ]
