"""Issue #24: a new key pair when a member's password or device may have been seen, and
always after an admin resets a member's two-step verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client

from digiamen.accounts import actions
from digiamen.accounts.models import ApiToken, Invitation, Membership
from digiamen.conftest import TEST_PLACE, World
from digiamen.core import crypto, encryption
from digiamen.core.encryption import AccessDenied
from digiamen.core.models import AuditEvent, OrganisationKeyGrant, UserKeyPair
from digiamen.core.tests.test_encryption import request_for

NEW = "an entirely new passphrase 2026"


def _session_key(client: Client) -> Any:
    request = HttpRequest()
    request.session = client.session
    return encryption.load_session_key(request)


def _envelope(sealed: bytes) -> bytes:
    return sealed[4 : 4 + int.from_bytes(sealed[:4], "big")]


def _assert_old_key_opens_nothing_after(
    world: World, old_key: Any, old_grants: list[bytes]
) -> None:
    after = encryption.seal_for_organisation(world.amane, "after the change", place=TEST_PLACE)
    # Nothing the database holds now opens with the old private key ...
    grants = list(OrganisationKeyGrant.objects.filter(user=world.bob.user))
    assert grants
    for grant in grants:
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(old_key, bytes(grant.sealed_private_key))
    with pytest.raises((AccessDenied, crypto.DecryptionError)):
        encryption.open_for_member(
            request_for(world.bob.user, old_key), world.amane, after, place=TEST_PLACE
        )
    # ... nor does the organisation key it opened from a copy of the database taken before.
    for old_grant in old_grants:
        old_org_key = crypto.private_key_from_bytes(crypto.unseal(old_key, old_grant))
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(old_org_key, _envelope(after)[8:])
    # Everyone else keeps opening old and new records.
    alice = request_for(world.alice.user, world.alice.private_key)
    assert (
        encryption.open_for_member(alice, world.amane, after, place=TEST_PLACE)
        == b"after the change"
    )


def test_new_key_pair_on_compromised_password_change(signed_in: Any, world: World) -> None:
    before = encryption.seal_for_organisation(world.amane, "before the change", place=TEST_PLACE)
    old_key = world.bob.private_key
    old_grants = [
        bytes(g.sealed_private_key)
        for g in OrganisationKeyGrant.objects.filter(user=world.bob.user)
    ]
    old_wrapped = bytes(UserKeyPair.objects.get(user=world.bob.user).wrapped_private_key)
    actions.issue_api_token(world.bob.user, world.amane, old_key)
    client = signed_in(world.bob)
    page = client.get("/en/staff/account/").content.decode()
    assert 'name="possibly_seen"' in page
    response = client.post(
        "/en/staff/account/",
        {
            "current_password": world.bob.password,
            "new_password1": NEW,
            "new_password2": NEW,
            "possibly_seen": "on",
        },
    )
    assert response.status_code == 302
    pair = UserKeyPair.objects.get(user=world.bob.user)
    assert bytes(pair.public_key) != bytes(old_key.public_key)
    assert bytes(pair.wrapped_private_key) != old_wrapped
    new_key = encryption.unlock_user_key(world.bob.user, NEW)
    assert bytes(new_key.public_key) == bytes(pair.public_key)
    # The session holds the new key and carries on.
    assert bytes(_session_key(client)) == bytes(new_key)
    assert client.get("/en/staff/amane/").status_code == 200
    bob = request_for(world.bob.user, new_key)
    assert (
        encryption.open_for_member(bob, world.amane, before, place=TEST_PLACE)
        == b"before the change"
    )
    _assert_old_key_opens_nothing_after(world, old_key, old_grants)
    # API tokens held the old key wrapped: revoked.
    assert not ApiToken.objects.filter(user=world.bob.user, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(
        action="account.key_pair_renewed", details={"reason": "password_change"}
    ).exists()


def test_password_change_without_the_box_keeps_the_key_pair(signed_in: Any, world: World) -> None:
    client = signed_in(world.bob)
    client.post(
        "/en/staff/account/",
        {"current_password": world.bob.password, "new_password1": NEW, "new_password2": NEW},
    )
    assert bytes(encryption.unlock_user_key(world.bob.user, NEW)) == bytes(world.bob.private_key)
    assert not AuditEvent.objects.filter(action="account.key_pair_renewed").exists()


def test_new_key_pair_after_admin_resets_two_factor(signed_in: Any, world: World) -> None:
    before = encryption.seal_for_organisation(world.amane, "before the change", place=TEST_PLACE)
    old_key = world.bob.private_key
    old_grants = [
        bytes(g.sealed_private_key)
        for g in OrganisationKeyGrant.objects.filter(user=world.bob.user)
    ]
    membership = Membership.objects.get(user=world.bob.user)
    alice = signed_in(world.alice)
    response = alice.post(f"/en/staff/amane/members/{membership.pk}/reset-2fa/")
    assert response.status_code == 302
    world.bob.user.refresh_from_db()
    assert world.bob.user.key_pair_renewal_required
    # The member's next sign-in (password step) makes the new key pair.
    client = Client()
    login = client.post("/en/staff/login/", {"username": "bob", "password": world.bob.password})
    assert login.status_code == 302 and login["Location"].endswith("/staff/login/enrol/")
    world.bob.user.refresh_from_db()
    assert not world.bob.user.key_pair_renewal_required
    new_key = encryption.unlock_user_key(world.bob.user, world.bob.password)
    assert bytes(new_key.public_key) != bytes(old_key.public_key)
    assert bytes(_session_key(client)) == bytes(new_key)
    bob = request_for(world.bob.user, new_key)
    assert (
        encryption.open_for_member(bob, world.amane, before, place=TEST_PLACE)
        == b"before the change"
    )
    _assert_old_key_opens_nothing_after(world, old_key, old_grants)
    assert AuditEvent.objects.filter(
        action="account.key_pair_renewed", details={"reason": "admin_reset"}
    ).exists()
    # Signing in again does not renew again.
    again = Client().post("/en/staff/login/", {"username": "bob", "password": world.bob.password})
    assert again.status_code == 302
    assert bytes(encryption.unlock_user_key(world.bob.user, world.bob.password)) == bytes(new_key)


def test_renewal_revokes_open_invitations_like_a_removal(world: World) -> None:
    """A renewal rotates the organisation key as a removal does: an open invitation (which
    someone holding the old key pair may have made) is revoked, never handed the new key."""
    issued = actions.invite(world.amane, "caseworker", actor=world.alice.user)
    actions.renew_key_pair(world.bob.user, world.bob.private_key, world.bob.password, reason="test")
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.revoked_at is not None
    assert bytes(invitation.sealed_organisation_key) == b""
    assert Client().get(f"/en/staff/invitation/{issued.token}/").status_code == 404
