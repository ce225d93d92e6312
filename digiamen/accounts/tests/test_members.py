from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts.models import Invitation, Membership
from digiamen.conftest import World
from digiamen.core import encryption
from digiamen.core.models import AuditEvent, OrganisationKeyGrant


def admin_pages(world: World) -> list[str]:
    return ["/en/staff/amane/members/", "/en/staff/amane/audit/", "/en/staff/amane/recovery-key/"]


def member_actions(world: World) -> list[tuple[str, dict[str, str]]]:
    bob_membership = Membership.objects.get(user=world.bob.user)
    return [
        (f"/en/staff/amane/members/{bob_membership.pk}/deactivate/", {}),
        (f"/en/staff/amane/members/{bob_membership.pk}/role/", {"role": "supervisor"}),
        (f"/en/staff/amane/members/{bob_membership.pk}/reset-2fa/", {}),
    ]


def test_admin_pages_for_admin_member_other_org_and_anonymous(signed_in: Any, world: World) -> None:
    alice, bob, charlie = signed_in(world.alice), signed_in(world.bob), signed_in(world.charlie)
    for url in admin_pages(world):
        assert alice.get(url).status_code == 200, url
        assert bob.get(url).status_code == 403, url
        assert charlie.get(url).status_code == 404, url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"], url


def test_member_actions_are_refused_to_non_admins_and_change_nothing(
    signed_in: Any, world: World
) -> None:
    bob, charlie = signed_in(world.bob), signed_in(world.charlie)
    for url, data in member_actions(world):
        assert bob.post(url, data).status_code == 403, url
        assert charlie.post(url, data).status_code == 404, url
        assert Client().post(url, data).status_code == 302, url
    membership = Membership.objects.get(user=world.bob.user)
    assert membership.is_active and membership.role == "caseworker"
    assert TOTPDevice.objects.filter(user=world.bob.user).exists()


def test_organisation_home_for_member_other_org_and_anonymous(signed_in: Any, world: World) -> None:
    assert signed_in(world.bob).get("/en/staff/amane/").status_code == 200
    assert signed_in(world.charlie).get("/en/staff/amane/").status_code == 404
    assert Client().get("/en/staff/amane/").status_code == 302
    assert signed_in(world.charlie).get("/en/staff/no-such-org/").status_code == 404


def test_admin_removes_a_member_and_the_key_rotates(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    bob_client = signed_in(world.bob)
    membership = Membership.objects.get(user=world.bob.user)
    response = alice.post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert encryption.current_organisation_key(world.amane).version == 2
    assert not OrganisationKeyGrant.objects.filter(user=world.bob.user).exists()
    assert bob_client.get("/en/staff/amane/").status_code == 404
    assert alice.get("/en/staff/amane/").status_code == 200


def test_admin_cannot_remove_or_demote_themself(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    own = Membership.objects.get(user=world.alice.user)
    alice.post(f"/en/staff/amane/members/{own.pk}/deactivate/")
    alice.post(f"/en/staff/amane/members/{own.pk}/role/", {"role": "caseworker"})
    own.refresh_from_db()
    assert own.is_active and own.role == "org_admin"


def test_admin_cannot_touch_another_organisations_member(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    charlie_membership = Membership.objects.get(user=world.charlie.user)
    assert (
        alice.post(f"/en/staff/amane/members/{charlie_membership.pk}/deactivate/").status_code
        == 404
    )
    assert (
        alice.post(f"/en/staff/jordan/members/{charlie_membership.pk}/deactivate/").status_code
        == 404
    )
    charlie_membership.refresh_from_db()
    assert charlie_membership.is_active


def test_role_change_is_validated_and_audited(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    membership = Membership.objects.get(user=world.bob.user)
    alice.post(f"/en/staff/amane/members/{membership.pk}/role/", {"role": "emperor"})
    membership.refresh_from_db()
    assert membership.role == "caseworker"
    alice.post(f"/en/staff/amane/members/{membership.pk}/role/", {"role": "supervisor"})
    membership.refresh_from_db()
    assert membership.role == "supervisor"
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.details == {"from": "caseworker", "to": "supervisor"}


def test_admin_resets_two_factor_and_the_member_enrols_again(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    membership = Membership.objects.get(user=world.bob.user)
    alice.post(f"/en/staff/amane/members/{membership.pk}/reset-2fa/")
    assert not TOTPDevice.objects.filter(user=world.bob.user).exists()
    client = Client()
    response = client.post("/en/staff/login/", {"username": "bob", "password": world.bob.password})
    assert response["Location"] == "/en/staff/login/enrol/"
    assert AuditEvent.objects.filter(action="two_factor.reset").exists()


# --- Invitations -------------------------------------------------------------------------------


def _invite(alice: Client, role: str = "caseworker") -> str:
    response = alice.post("/en/staff/amane/members/", {"role": role})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index("/en/staff/invitation/")
    return html[start : html.index("<", start)].strip()


def test_invitation_creates_an_account_whose_key_waits_for_an_admin(
    signed_in: Any, world: World
) -> None:
    link = _invite(signed_in(world.alice), "supervisor")
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and b"Amane" in page.content
    response = client.post(
        link,
        {
            "username": "dina",
            "new_password1": "a long new passphrase 7",
            "new_password2": "a long new passphrase 7",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/en/staff/login/"
    membership = Membership.objects.get(user__username="dina")
    assert membership.role == "supervisor" and membership.organisation == world.amane
    # The key pair is hers; the organisation key comes only after an admin confirms it
    # (test_keys_removal.py).
    encryption.unlock_user_key(membership.user, "a long new passphrase 7")
    assert membership.key_pending
    assert not OrganisationKeyGrant.objects.filter(user=membership.user).exists()
    # The link works once.
    assert Client().get(link).status_code == 404


def test_invitation_refuses_weak_password_and_mismatch(signed_in: Any, world: World) -> None:
    link = _invite(signed_in(world.alice))
    client = Client()
    weak = client.post(
        link, {"username": "dina", "new_password1": "password", "new_password2": "password"}
    )
    assert weak.status_code == 200
    mismatch = client.post(
        link,
        {
            "username": "dina",
            "new_password1": "a long new passphrase 7",
            "new_password2": "a long new passphrase 8",
        },
    )
    assert mismatch.status_code == 200
    taken = client.post(
        link,
        {
            "username": "Bob",
            "new_password1": "a long new passphrase 7",
            "new_password2": "a long new passphrase 7",
        },
    )
    assert taken.status_code == 200 and b"taken" in taken.content
    assert not Membership.objects.filter(user__username="dina").exists()
    assert Invitation.objects.get().accepted_at is None


def test_expired_revoked_and_unknown_invitations(signed_in: Any, world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    alice = signed_in(world.alice)
    link = _invite(alice)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    data = {
        "username": "dina",
        "new_password1": "a long new passphrase 7",
        "new_password2": "a long new passphrase 7",
    }
    assert Client().post(link, data).status_code == 404
    link = _invite(alice)
    invitation = Invitation.objects.latest("id")
    alice.post(f"/en/staff/amane/invitations/{invitation.pk}/revoke/")
    assert Client().post(link, data).status_code == 404
    assert Client().get("/en/staff/invitation/not-a-real-token/").status_code == 404
    assert Client().get("/ar/staff/invitation/" + "x" * 300 + "/").status_code == 404
    assert not Membership.objects.filter(user__username="dina").exists()


def test_invitation_made_before_a_removal_no_longer_works_after_rotation(
    signed_in: Any, world: World
) -> None:
    alice = signed_in(world.alice)
    link = _invite(alice)
    membership = Membership.objects.get(user=world.bob.user)
    alice.post(f"/en/staff/amane/members/{membership.pk}/deactivate/")
    response = Client().post(
        link,
        {
            "username": "dina",
            "new_password1": "a long new passphrase 7",
            "new_password2": "a long new passphrase 7",
        },
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(user__username="dina").exists()


def test_signed_in_member_of_another_org_joins_with_their_account(
    signed_in: Any, world: World
) -> None:
    link = _invite(signed_in(world.alice), "data_officer")
    charlie = signed_in(world.charlie)
    response = charlie.post(link)
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.charlie.user).count() == 2
    assert Membership.objects.get(user=world.charlie.user, organisation=world.amane).key_pending
    assert charlie.get("/en/staff/amane/").status_code == 200
    assert charlie.get("/en/staff/").status_code == 200  # two organisations: a list


@pytest.mark.parametrize("role", ["", "superuser", "x" * 1000])
def test_invitation_with_bad_role_creates_nothing(signed_in: Any, world: World, role: str) -> None:
    response = signed_in(world.alice).post("/en/staff/amane/members/", {"role": role})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_recovery_key_confirmation(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    wrong = alice.post("/en/staff/amane/recovery-key/", {"checksum": "AAAAAA"})
    assert wrong.status_code == 400
    # The key itself is no longer accepted: the form takes only the check group.
    typed_key = alice.post(
        "/en/staff/amane/recovery-key/", {"recovery_key": world.amane_recovery_key}
    )
    assert typed_key.status_code == 400
    world.amane.refresh_from_db()
    assert world.amane.recovery_key_confirmed_at is None
    checksum = encryption.recovery_checksum(world.amane)
    right = alice.post("/en/staff/amane/recovery-key/", {"checksum": checksum.lower()})
    assert right.status_code == 302
    world.amane.refresh_from_db()
    assert world.amane.recovery_key_confirmed_at is not None


def test_audit_log_page_shows_only_this_organisation(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    page = alice.get("/en/staff/amane/audit/").content.decode()
    assert "membership.added" in page
    assert "charlie" not in page
