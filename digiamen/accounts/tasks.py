"""Periodic jobs, run by the Huey consumer (``manage.py run_huey``)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from digiamen.accounts.models import ApiToken, HashedSession, Invitation


@db_periodic_task(crontab(minute="*/15"))
def purge_expired_credentials() -> dict[str, int]:
    """Expired sessions, API tokens and invitations carry wrapped keys: delete them."""
    now = timezone.now()
    sessions, _ = HashedSession.objects.filter(expire_date__lt=now).delete()
    tokens, _ = ApiToken.objects.filter(expires_at__lt=now).delete()
    invitations = (
        Invitation.objects.filter(expires_at__lt=now, accepted_at__isnull=True)
        .exclude(sealed_organisation_key=b"")
        .update(sealed_organisation_key=b"")
    )
    return {"sessions": sessions, "tokens": tokens, "invitations": invitations}
