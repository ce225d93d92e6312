from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from digiamen.accounts import actions
from digiamen.accounts.models import ApiToken, HashedSession, Invitation
from digiamen.accounts.tasks import purge_expired_credentials
from digiamen.conftest import World


def test_purge_removes_only_expired_credentials(signed_in: Any, world: World) -> None:
    signed_in(world.bob)
    signed_in(world.alice)
    old = actions.invite(
        world.amane, "caseworker", actor=None, bootstrap_key=world.amane_key
    ).invitation
    fresh = actions.invite(
        world.amane, "caseworker", actor=None, bootstrap_key=world.amane_key
    ).invitation
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    first = actions.issue_api_token(world.bob.user, world.amane, world.bob.private_key).token
    actions.issue_api_token(world.bob.user, world.amane, world.bob.private_key)
    ApiToken.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    session = HashedSession.objects.first()
    assert session is not None
    HashedSession.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    result = purge_expired_credentials.call_local()

    assert result == {"sessions": 1, "tokens": 1, "invitations": 1}
    assert HashedSession.objects.count() == 1 and ApiToken.objects.count() == 1
    assert bytes(Invitation.objects.get(pk=old.pk).sealed_organisation_key) == b""
    assert bytes(Invitation.objects.get(pk=fresh.pk).sealed_organisation_key) != b""
