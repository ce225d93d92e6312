"""Removal that removes: invitations carry no key, are revoked with every key rotation, and a
new member gets the organisation key only after an admin confirmed their key fingerprint."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.db import models
from django.http import HttpRequest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.public import PrivateKey

from digiamen.accounts import actions
from digiamen.accounts.models import Invitation, Membership, User
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import TEST_PLACE, Member, World
from digiamen.core import crypto, encryption
from digiamen.core.models import AuditEvent, OrganisationKeyGrant

NEW_PASSWORD = "a long new passphrase 7"


def _invite(client: Client, role: str = "caseworker") -> str:
    response = client.post("/en/staff/amane/members/", {"role": role})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index("/en/staff/invitation/")
    return html[start : html.index("<", start)].strip()


def _accept(link: str, username: str) -> Member:
    response = Client().post(
        link, {"username": username, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return Member(user, NEW_PASSWORD, encryption.unlock_user_key(user, NEW_PASSWORD), device)


def _request_for(user: User, private_key: PrivateKey) -> HttpRequest:
    request = HttpRequest()
    request.user = user
    request.keyring = encryption.KeyRing(user=user, private_key=private_key)  # type: ignore[attr-defined]
    return request


def _confirm_url(membership: Membership) -> str:
    return f"/en/staff/amane/members/{membership.pk}/confirm-key/"


# --- 1. Removal revokes open invitations -------------------------------------------------------


def test_invitations_are_revoked_when_a_member_is_removed(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    links = [_invite(alice), _invite(alice, "supervisor")]
    # The operator's bootstrap invitation, the only kind that carries the key, goes too.
    actions.invite(world.amane, "org_admin", actor=None, bootstrap_key=world.amane_key)
    other_org = actions.invite(world.jordan, "caseworker", actor=None)
    bob = Membership.objects.get(user=world.bob.user)

    response = alice.post(f"/en/staff/amane/members/{bob.pk}/deactivate/", follow=True)

    assert b"3 open invitations were revoked" in response.content
    amane_invitations = Invitation.objects.filter(organisation=world.amane)
    assert amane_invitations.count() == 3
    for invitation in amane_invitations:
        assert invitation.revoked_at is not None
        assert bytes(invitation.sealed_organisation_key) == b""
    assert Invitation.objects.get(pk=other_org.invitation.pk).revoked_at is None
    revoked_events = AuditEvent.objects.filter(action="invitation.revoked")
    assert revoked_events.count() == 3
    assert all(event.details == {"reason": "key_rotated"} for event in revoked_events)
    for link in links:
        assert Client().get(link).status_code == 404
    assert "Open invitations" not in response.content.decode()


def test_invitations_carry_no_organisation_key(signed_in: Any, world: World) -> None:
    _invite(signed_in(world.alice))
    invitation = Invitation.objects.get()
    assert bytes(invitation.sealed_organisation_key) == b""


# --- 2. The organisation key only after the fingerprint is confirmed ---------------------------


def test_new_member_gets_the_organisation_key_only_after_fingerprint_confirmed(
    signed_in: Any, world: World
) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "for members only", place=TEST_PLACE)
    case = new_case()
    alice = signed_in(world.alice)
    # A supervisor opens every case of the organisation once she holds the key.
    dina = _accept(_invite(alice, "supervisor"), "dina")
    membership = Membership.objects.get(user=dina.user)
    assert membership.key_pending and membership.is_active
    assert not OrganisationKeyGrant.objects.filter(user=dina.user).exists()
    fingerprint = encryption.user_key_fingerprint(dina.user)
    assert fingerprint == encryption.key_fingerprint(bytes(dina.private_key.public_key))
    assert len(fingerprint) == 29 and fingerprint.count(" ") == 5

    # The newcomer signs in, sees their fingerprint and waits; record pages say why.
    dina_client = signed_in(dina)
    home = dina_client.get("/en/staff/amane/").content.decode()
    assert fingerprint in home and "Waiting for an admin to confirm your key" in home
    assert fingerprint in dina_client.get("/en/staff/account/").content.decode()
    detail = dina_client.get(f"/en/staff/amane/cases/{case.number}/")
    assert detail.status_code == 403
    assert b"Waiting for an admin to confirm your key" in detail.content
    assert NARRATIVE.encode() not in detail.content
    with_arabic = signed_in(dina, "ar").get(f"/ar/staff/amane/cases/{case.number}/")
    assert with_arabic.status_code == 403 and b"Waiting for an admin" not in with_arabic.content
    try:
        encryption.open_for_member(
            _request_for(dina.user, dina.private_key), world.amane, sealed, place=TEST_PLACE
        )
    except encryption.AccessDenied:
        pass
    else:
        raise AssertionError("a pending member opened the organisation's data")

    # The admin sees the same fingerprint; a different one is refused.
    assert fingerprint in alice.get("/en/staff/amane/members/").content.decode()
    wrong = alice.post(_confirm_url(membership), {"fingerprint": "0000 0000 0000 0000 0000 0000"})
    assert wrong.status_code == 302
    membership.refresh_from_db()
    assert membership.key_pending
    assert not OrganisationKeyGrant.objects.filter(user=dina.user).exists()

    assert alice.post(_confirm_url(membership), {"fingerprint": fingerprint}).status_code == 302
    membership.refresh_from_db()
    assert not membership.key_pending
    assert AuditEvent.objects.filter(action="membership.key_confirmed").count() == 1
    request = _request_for(dina.user, dina.private_key)
    assert (
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE)
        == b"for members only"
    )
    # The admin holds no casework key: the case key waits for a caseworker to share it.
    waiting = dina_client.get(f"/en/staff/amane/cases/{case.number}/")
    assert waiting.status_code == 403
    assert b"Waiting for a colleague to share the case key" in waiting.content
    assert NARRATIVE.encode() not in waiting.content
    signed_in(world.bob)
    assert dina_client.get(f"/en/staff/amane/cases/{case.number}/").status_code == 200
    assert "Waiting for an admin" not in dina_client.get("/en/staff/amane/").content.decode()
    # Once confirmed, there is no pending key left to confirm.
    again = alice.post(_confirm_url(membership), {"fingerprint": fingerprint})
    assert again.status_code == 404


def test_confirm_key_per_role(signed_in: Any, world: World) -> None:
    dina = _accept(_invite(signed_in(world.alice)), "dina")
    membership = Membership.objects.get(user=dina.user)
    fingerprint = encryption.user_key_fingerprint(dina.user)
    jordan_admin = world.add_member("jamal", world.jordan, "org_admin")
    url = _confirm_url(membership)
    data = {"fingerprint": fingerprint}
    assert signed_in(jordan_admin).post(url, data).status_code == 404
    assert signed_in(world.bob).post(url, data).status_code == 403
    assert signed_in(world.charlie).post(url, data).status_code == 404
    assert signed_in(dina).post(url, data).status_code == 403  # not herself
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    assert signed_in(world.alice).get(url).status_code == 405
    membership.refresh_from_db()
    assert membership.key_pending
    assert not OrganisationKeyGrant.objects.filter(user=dina.user).exists()
    # Bad input: a translated refusal, nothing granted.
    assert signed_in(world.alice).post(url, {"fingerprint": "x" * 500}).status_code == 302
    membership.refresh_from_db()
    assert membership.key_pending
    assert signed_in(world.alice).post(url, data).status_code == 302
    membership.refresh_from_db()
    assert not membership.key_pending


def test_a_swapped_key_is_not_confirmed(signed_in: Any, world: World) -> None:
    """A row replaced in the database between display and confirmation gets nothing."""
    dina = _accept(_invite(signed_in(world.alice)), "dina")
    shown = encryption.user_key_fingerprint(dina.user)
    encryption.rewrap_user_key(dina.user, crypto.new_private_key(), NEW_PASSWORD)
    membership = Membership.objects.get(user=dina.user)
    signed_in(world.alice).post(_confirm_url(membership), {"fingerprint": shown})
    membership.refresh_from_db()
    assert membership.key_pending
    assert not OrganisationKeyGrant.objects.filter(user=dina.user).exists()


def test_pending_member_is_not_granted_by_a_rotation(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    dina = _accept(_invite(alice), "dina")
    bob = Membership.objects.get(user=world.bob.user)
    alice.post(f"/en/staff/amane/members/{bob.pk}/deactivate/")
    assert not OrganisationKeyGrant.objects.filter(user=dina.user).exists()
    membership = Membership.objects.get(user=dina.user)
    fingerprint = encryption.user_key_fingerprint(dina.user)
    alice.post(_confirm_url(membership), {"fingerprint": fingerprint})
    current = encryption.current_organisation_key(world.amane)
    assert OrganisationKeyGrant.objects.filter(key=current, user=dina.user).exists()


# --- 4. A removed admin, with a copy of the database, opens nothing sealed after removal --------


def _every_binary_value() -> list[bytes]:
    blobs = []
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.BinaryField)]
        for values in model.objects.values_list(*fields) if fields else []:
            blobs.extend(bytes(value) for value in values if value)
    return blobs


def _everything_opened(private_keys: list[PrivateKey], blobs: list[bytes]) -> list[PrivateKey]:
    """Every X25519 key the holder reaches by unsealing rows, to a fixed point."""
    known = {bytes(key): key for key in private_keys}
    grew = True
    while grew:
        grew = False
        for blob in blobs:
            candidates = [blob]
            if blob[:4] == encryption.ENVELOPE_MAGIC:
                candidates.append(blob[8:])
            for key in list(known.values()):
                for candidate in candidates:
                    try:
                        opened = crypto.unseal(key, candidate)
                    except crypto.DecryptionError:
                        continue
                    if len(opened) == 32 and opened not in known:
                        known[opened] = crypto.private_key_from_bytes(opened)
                        grew = True
    return list(known.values())


def test_removed_admin_opens_nothing_sealed_after_removal(signed_in: Any, world: World) -> None:
    zara = world.add_member("zara", world.amane, "org_admin")
    before = encryption.seal_for_organisation(
        world.amane, "sealed before removal", place=TEST_PLACE
    )
    zara_client = signed_in(zara)
    link = _invite(zara_client, "org_admin")
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Everything zara held: her password and key pair, the link, and (an admin could have
    # taken it from memory) the organisation key of her time.
    held = [
        encryption.unlock_user_key(zara.user, zara.password),
        actions._invitation_private_key(token),
        world.amane_key,
    ]

    membership = Membership.objects.get(user=zara.user)
    assert signed_in(world.alice).post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    after = encryption.seal_for_organisation(world.amane, "sealed after removal", place=TEST_PLACE)
    case_after = new_case()
    new_generation = encryption.current_organisation_key(world.amane)
    assert new_generation.version == 2

    reached = _everything_opened(held, _every_binary_value())
    public_keys = {bytes(key.public_key) for key in reached}
    # The test can fail: with what she held she still opens what was sealed before.
    assert _opens(reached, before) == b"sealed before removal"
    assert bytes(new_generation.public_key) not in public_keys
    assert _opens(reached, after) is None
    assert _opens_envelope(reached, bytes(case_after.report.sealed_key)) is None
    # Nor does the link let her (or anyone she gives it to) in again.
    response = Client().post(
        link, {"username": "zara2", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="zara2").exists()
    assert zara_client.get("/en/staff/amane/").status_code == 404


def _opens_envelope(keys: list[PrivateKey], envelope: bytes) -> bytes | None:
    for key in keys:
        try:
            return crypto.unseal(key, envelope[8:])
        except crypto.DecryptionError:
            continue
    return None


def _opens(keys: list[PrivateKey], sealed: bytes) -> bytes | None:
    envelope, ciphertext = encryption._split_sealed(sealed)
    data_key = _opens_envelope(keys, envelope)
    if data_key is None:
        return None
    record_key = encryption.RecordKey(data_key, envelope)
    return encryption.decrypt_sealed_value(record_key, ciphertext, TEST_PLACE)


# --- 5. The data migration ---------------------------------------------------------------------


def test_migration_revokes_open_invitations_that_carry_the_key(world: World) -> None:
    migration = importlib.import_module(
        "digiamen.accounts.migrations.0005_revoke_key_carrying_invitations"
    )
    carrying = actions.invite(
        world.amane, "caseworker", actor=None, bootstrap_key=world.amane_key
    ).invitation
    keyless = actions.invite(world.amane, "caseworker", actor=None).invitation
    migration.revoke_key_carrying_invitations(apps, None)
    carrying.refresh_from_db()
    keyless.refresh_from_db()
    assert carrying.revoked_at is not None and bytes(carrying.sealed_organisation_key) == b""
    assert keyless.revoked_at is None


def test_an_admin_whose_key_is_pending_manages_nothing(signed_in: Any, world: World) -> None:
    newcomer = _accept(_invite(signed_in(world.alice), "org_admin"), "nadia")
    client = signed_in(newcomer)
    page = client.get("/en/staff/amane/members/")
    assert page.status_code == 403 and b"Waiting for an admin to confirm your key" in page.content
    bob = Membership.objects.get(user=world.bob.user)
    assert client.post(f"/en/staff/amane/members/{bob.pk}/reset-2fa/").status_code == 403
    assert (
        client.post(f"/en/staff/amane/members/{bob.pk}/role/", {"role": "org_admin"}).status_code
        == 403
    )
    assert client.post("/en/staff/amane/members/", {"role": "org_admin"}).status_code == 403
    bob.refresh_from_db()
    assert bob.role == "caseworker" and TOTPDevice.objects.filter(user=world.bob.user).exists()
    assert Invitation.objects.count() == 1
