"""Signed key material: rows written by someone with database write access (and no key of
the organisation) are never granted anything and never receive new reports."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client, override_settings
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey

from digiamen.accounts import actions, signed_keys
from digiamen.accounts.models import Membership, Organisation, User
from digiamen.cases.tests.helpers import NARRATIVE, new_case
from digiamen.conftest import TEST_PLACE, Member, World
from digiamen.core import crypto, encryption, key_signing
from digiamen.core.models import AuditEvent, OrganisationKey, OrganisationKeyGrant, UserKeyPair

PAGE = "/en/staff/amane/key-signatures/"


def _request_for(user: User, private_key: PrivateKey) -> HttpRequest:
    request = HttpRequest()
    request.user = user
    request.keyring = encryption.KeyRing(user=user, private_key=private_key)  # type: ignore[attr-defined]
    return request


def _opens(private_key: PrivateKey, blob: bytes) -> bool:
    """Whether ``private_key`` unseals any part of ``blob`` (whatever the envelope layout)."""
    blob = bytes(blob)
    for start in range(len(blob)):
        try:
            crypto.unseal(private_key, blob[start:])
        except crypto.DecryptionError:
            continue
        return True
    return False


def _forged_generation(
    organisation: Organisation, version: int, *, copy_from: int = 0
) -> PrivateKey:
    """A generation row made with a fresh key pair, as someone with only the database can.

    Signed by itself, or (``copy_from``) carrying a real generation's verify key and
    signature beside the attacker's public key.
    """
    attacker = crypto.new_private_key()
    row = OrganisationKey(
        organisation=organisation,
        version=version,
        public_key=bytes(attacker.public_key),
        sealed_previous_private_key=crypto.seal(bytes(attacker.public_key), b"\0" * 32),
        recovery_sealed_private_key=crypto.seal(bytes(attacker.public_key), bytes(attacker)),
    )
    if copy_from:
        real = OrganisationKey.objects.get(organisation=organisation, version=copy_from)
        row.verify_key, row.signature = bytes(real.verify_key), bytes(real.signature)
    else:
        signing_key = key_signing.signing_key_of(attacker)
        row.verify_key = bytes(signing_key.verify_key)
        message = key_signing.generation_message(
            organisation.pk, version, bytes(attacker.public_key), bytes(row.verify_key)
        )
        row.signature = signing_key.sign(message, encoder=RawEncoder).signature
    row.save()
    return attacker


def _intruder(organisation: Organisation, role: str = "org_admin") -> tuple[User, PrivateKey]:
    """An account and an active membership written straight into the database."""
    user, private_key = actions.create_user("mallory", "a long passphrase for mallory")
    Membership.objects.create(user=user, organisation=organisation, role=role, key_pending=False)
    return user, private_key


def _remove(world: World, member: Member) -> None:
    membership = Membership.objects.get(user=member.user, organisation=world.amane)
    actions.deactivate_member(
        membership,
        actor=world.alice.user,
        actor_keyring=encryption.KeyRing(
            user=world.alice.user, private_key=world.alice.private_key
        ),
    )


def _make_legacy(organisation: Organisation) -> None:
    """The state of an organisation made before signatures existed."""
    OrganisationKey.objects.filter(organisation=organisation).update(verify_key=b"", signature=b"")
    Membership.objects.filter(organisation=organisation).update(
        key_signature=b"", key_signed_by_version=None
    )
    Organisation.objects.filter(pk=organisation.pk).update(keys_signed_at=None)
    organisation.refresh_from_db()


# --- Generations -------------------------------------------------------------------------------


def test_new_organisations_are_signed_from_generation_one(world: World) -> None:
    key = encryption.current_organisation_key(world.amane)
    assert key.version == 1 and world.amane.keys_signed_at is not None
    assert len(bytes(key.verify_key)) == 32 and len(bytes(key.signature)) == 64
    membership = Membership.objects.get(user=world.bob.user)
    assert membership.key_signed_by_version == 1 and len(bytes(membership.key_signature)) == 64


@pytest.mark.parametrize("copy_from", [0, 1], ids=["self-signed", "copied-signature"])
def test_generation_inserted_by_hand_receives_no_new_report(world: World, copy_from: int) -> None:
    attacker = _forged_generation(world.amane, 2, copy_from=copy_from)

    assert encryption.current_organisation_key(world.amane).version == 1
    case = new_case()
    sealed = encryption.seal_for_organisation(
        world.amane, "sealed after the insertion", place=TEST_PLACE
    )
    # Sealed to generation 1: the attacker opens neither; a member opens both.
    assert not _opens(attacker, bytes(case.report.sealed_key))
    assert not _opens(attacker, sealed)
    request = _request_for(world.bob.user, world.bob.private_key)
    record_key = encryption.open_record_key(
        request, world.amane, case.report.sealed_key, audit_object=case
    )
    narrative = record_key.decrypt_text(
        bytes(case.report.narrative), field="narrative", record=str(case.report.public_id)
    )
    assert narrative == NARRATIVE
    assert (
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE)
        == b"sealed after the insertion"
    )
    # Told once (content-free), not at every report.
    refused = AuditEvent.objects.filter(action="organisation.key_refused")
    assert refused.count() == 1
    assert refused.get().details == {"version": 2, "rows": 1}


def test_rotation_starts_from_the_signed_chain(world: World) -> None:
    attacker = _forged_generation(world.amane, 2)
    _remove(world, world.bob)
    current = encryption.current_organisation_key(world.amane)
    # The forged row made way for a generation signed by generation 1.
    assert current.version == 2 and bytes(current.public_key) != bytes(attacker.public_key)
    assert OrganisationKey.objects.filter(organisation=world.amane).count() == 2
    assert not _opens(
        attacker, encryption.seal_for_organisation(world.amane, "after", place=TEST_PLACE)
    )
    # The chain still walks back: generation 1's data opens for the remaining admin.
    alice = _request_for(world.alice.user, world.alice.private_key)
    before = OrganisationKey.objects.get(organisation=world.amane, version=1)
    assert before.signature
    sealed = encryption.seal_for_organisation(world.amane, "after removal", place=TEST_PLACE)
    assert (
        encryption.open_for_member(alice, world.amane, sealed, place=TEST_PLACE) == b"after removal"
    )


# --- Memberships -------------------------------------------------------------------------------


def test_membership_inserted_by_hand_gets_nothing_at_rotation(world: World) -> None:
    mallory, mallory_key = _intruder(world.amane)
    _remove(world, world.bob)

    current = encryption.current_organisation_key(world.amane)
    assert current.version == 2
    assert not OrganisationKeyGrant.objects.filter(user=mallory).exists()
    # The test can fail: the signed admin does get the new generation.
    assert OrganisationKeyGrant.objects.filter(key=current, user=world.alice.user).exists()
    sealed = encryption.seal_for_organisation(
        world.amane, "sealed after the rotation", place=TEST_PLACE
    )
    with pytest.raises(encryption.AccessDenied):
        encryption.open_for_member(
            _request_for(mallory, mallory_key), world.amane, sealed, place=TEST_PLACE
        )
    assert not _opens(mallory_key, sealed)
    event = AuditEvent.objects.get(action="membership.key_refused")
    assert event.details == {"memberships": 1}


def test_membership_with_a_copied_signature_gets_nothing(world: World) -> None:
    mallory, _mallory_key = _intruder(world.amane)
    alice = Membership.objects.get(user=world.alice.user)
    Membership.objects.filter(user=mallory).update(
        key_signature=bytes(alice.key_signature), key_signed_by_version=alice.key_signed_by_version
    )
    dina = world.add_member("dina", world.amane, "caseworker")
    _remove(world, dina)
    assert not OrganisationKeyGrant.objects.filter(user=mallory).exists()
    assert OrganisationKeyGrant.objects.filter(user=world.bob.user).exists()


def test_swapped_member_public_key_gets_nothing(world: World) -> None:
    attacker = crypto.new_private_key()
    UserKeyPair.objects.filter(user=world.bob.user).update(public_key=bytes(attacker.public_key))
    dina = world.add_member("dina", world.amane, "caseworker")
    _remove(world, dina)

    current = encryption.current_organisation_key(world.amane)
    assert not OrganisationKeyGrant.objects.filter(key=current, user=world.bob.user).exists()
    assert OrganisationKeyGrant.objects.filter(key=current, user=world.alice.user).exists()
    assert not _opens(
        attacker, encryption.seal_for_organisation(world.amane, "after", place=TEST_PLACE)
    )
    for grant in OrganisationKeyGrant.objects.all():
        assert not _opens(attacker, bytes(grant.sealed_private_key))


def test_role_changed_by_an_admin_is_signed_again(signed_in: Any, world: World) -> None:
    bob = Membership.objects.get(user=world.bob.user)
    response = signed_in(world.alice).post(
        f"/en/staff/amane/members/{bob.pk}/role/", {"role": "supervisor"}
    )
    assert response.status_code == 302
    dina = world.add_member("dina", world.amane, "caseworker")
    _remove(world, dina)
    current = encryption.current_organisation_key(world.amane)
    assert OrganisationKeyGrant.objects.filter(key=current, user=world.bob.user).exists()


def test_role_changed_in_the_database_gets_nothing(world: World) -> None:
    Membership.objects.filter(user=world.bob.user).update(role="org_admin")
    dina = world.add_member("dina", world.amane, "caseworker")
    _remove(world, dina)
    current = encryption.current_organisation_key(world.amane)
    assert not OrganisationKeyGrant.objects.filter(key=current, user=world.bob.user).exists()


# --- Organisations made before signatures ------------------------------------------------------


def test_legacy_organisation_is_signed_at_first_sign_in_then_refuses_unsigned_rows(
    signed_in: Any, world: World
) -> None:
    _make_legacy(world.amane)
    mallory, mallory_key = _intruder(world.amane)
    # The window: unsigned rows are accepted as before signatures.
    status = signed_keys.signing_status(world.amane)
    assert (status.unsigned_generations, status.unsigned_memberships) == (1, 3)
    assert encryption.current_organisation_key(world.amane).version == 1

    signed_in(world.alice)

    world.amane.refresh_from_db()
    assert world.amane.keys_signed_at is not None
    status = signed_keys.signing_status(world.amane)
    # Alice and Bob hold grants and are signed; the intruder holds none and is not.
    assert (status.unsigned_generations, status.unsigned_memberships) == (0, 1)
    assert Membership.objects.get(user=mallory).key_signed_by_version is None
    assert AuditEvent.objects.filter(action="organisation.keys_signed").count() == 1
    # Signing again at the next sign-in does nothing.
    signed_in(world.bob)
    assert AuditEvent.objects.filter(action="organisation.keys_signed").count() == 1

    attacker = _forged_generation(world.amane, 2)
    _remove(world, world.bob)
    current = encryption.current_organisation_key(world.amane)
    assert current.version == 2 and bytes(current.public_key) != bytes(attacker.public_key)
    assert not OrganisationKeyGrant.objects.filter(user=mallory).exists()
    assert OrganisationKeyGrant.objects.filter(key=current, user=world.alice.user).exists()
    sealed = encryption.seal_for_organisation(world.amane, "after", place=TEST_PLACE)
    assert not _opens(mallory_key, sealed) and not _opens(attacker, sealed)


def test_legacy_organisation_with_a_forged_newest_generation_is_not_signed(
    signed_in: Any, world: World
) -> None:
    _make_legacy(world.amane)
    attacker = _forged_generation(world.amane, 2)
    # Even a grant for it, sealed to alice's public key, does not lead her to sign it.
    OrganisationKeyGrant.objects.create(
        key=OrganisationKey.objects.get(organisation=world.amane, version=2),
        user=world.alice.user,
        sealed_private_key=crypto.seal(bytes(world.alice.private_key.public_key), bytes(attacker)),
    )
    signed_in(world.alice)
    world.amane.refresh_from_db()
    assert world.amane.keys_signed_at is None
    generation_one = OrganisationKey.objects.get(organisation=world.amane, version=1)
    assert bytes(generation_one.signature) == b""
    assert Membership.objects.filter(organisation=world.amane, key_signature=b"").count() == 2


@override_settings(ORGANISATION_KEYS_SIGNED_ONLY=True)
def test_operator_can_close_the_window_for_every_organisation(signed_in: Any, world: World) -> None:
    _make_legacy(world.amane)
    with pytest.raises(encryption.AccessDenied):
        encryption.current_organisation_key(world.amane)
    # Signed organisations are not affected.
    assert encryption.current_organisation_key(world.jordan).version == 1
    # A legacy organisation is still signed at a key holder's sign-in, then works again.
    signed_in(world.alice)
    world.amane.refresh_from_db()
    assert encryption.current_organisation_key(world.amane).version == 1
    assert signed_keys.signing_status(world.amane).complete


# --- The page showing what is left -------------------------------------------------------------


def test_key_signatures_page_per_role(signed_in: Any, world: World) -> None:
    alice = signed_in(world.alice)
    _make_legacy(world.amane)
    _intruder(world.amane)
    page = alice.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Not signed yet" in html
    assert "<td>1</td><td>1</td>" in html  # one generation, unsigned
    # Signed at alice's next sign-in: only the member with no grant is left.
    after = signed_in(world.alice).get(PAGE).content.decode()
    assert "Signed on" in after and "<td>0</td><td>1</td>" in after
    assert "<td>1</td><td>3</td>" in after
    assert "mallory" not in after  # counts only

    jordan_admin = world.add_member("jamal", world.jordan, "org_admin")
    assert signed_in(jordan_admin).get(PAGE).status_code == 404
    assert signed_in(world.bob).get(PAGE).status_code == 403
    assert signed_in(world.charlie).get(PAGE).status_code == 404
    anonymous = Client().get(PAGE)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    assert signed_in(world.alice).post(PAGE).status_code == 405
    arabic = signed_in(world.alice, "ar").get("/ar/staff/amane/key-signatures/")
    assert arabic.status_code == 200 and 'dir="rtl"' in arabic.content.decode()


def test_deleting_the_newest_generation_does_not_fall_back_while_the_process_runs(
    world: World,
) -> None:
    _remove(world, world.bob)  # bob held generation 1's key
    assert encryption.current_organisation_key(world.amane).version == 2
    OrganisationKey.objects.filter(organisation=world.amane, version=2).delete()
    with pytest.raises(encryption.AccessDenied):
        encryption.seal_for_organisation(world.amane, "would go to generation 1", place=TEST_PLACE)
    assert AuditEvent.objects.filter(action="organisation.key_rollback_refused").exists()
