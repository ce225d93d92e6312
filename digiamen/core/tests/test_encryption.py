from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from digiamen.accounts import actions
from digiamen.conftest import PASSWORD, TEST_PLACE, World
from digiamen.core import crypto, encryption
from digiamen.core.encryption import AccessDenied, KeyRing
from digiamen.core.models import AuditEvent, OrganisationKey, OrganisationKeyGrant
from digiamen.tests.support import require


def request_for(member_user, private_key) -> HttpRequest:  # type: ignore[no-untyped-def]
    request = HttpRequest()
    request.user = member_user
    request.keyring = KeyRing(user=member_user, private_key=private_key)  # type: ignore[attr-defined]
    return request


def test_member_opens_what_was_sealed_without_any_secret(world: World) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "the child's story", place=TEST_PLACE)
    request = request_for(world.bob.user, world.bob.private_key)
    assert (
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE)
        == b"the child's story"
    )
    event = AuditEvent.objects.latest("id")
    assert event.action == "protected_data.read"
    assert event.actor_id == world.bob.user.pk
    assert event.organisation_id == world.amane.pk
    assert "story" not in str(event.details)


def test_other_organisation_cannot_open(world: World) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "secret", place=TEST_PLACE)
    charlie = request_for(world.charlie.user, world.charlie.private_key)
    with pytest.raises(AccessDenied):
        encryption.open_for_member(charlie, world.amane, sealed, place=TEST_PLACE)
    # Even pointing charlie's own organisation at the envelope does not open it.
    with pytest.raises(crypto.DecryptionError):
        encryption.open_for_member(charlie, world.jordan, sealed, place=TEST_PLACE)


def test_request_without_unlocked_key_cannot_open(world: World) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "secret", place=TEST_PLACE)
    request = HttpRequest()
    request.user = world.bob.user
    with pytest.raises(AccessDenied):
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE)


def test_record_key_fields_are_bound_to_field_and_record(world: World) -> None:
    record_key = encryption.new_record_key(world.amane)
    narrative = record_key.encrypt("narrative text", field="narrative", record="r1")
    request = request_for(world.alice.user, world.alice.private_key)
    opened = encryption.open_record_key(
        request, world.amane, record_key.envelope, audit_object=world.amane
    )
    assert opened.decrypt_text(narrative, field="narrative", record="r1") == "narrative text"
    with pytest.raises(crypto.DecryptionError):
        opened.decrypt(narrative, field="contact", record="r1")
    with pytest.raises(crypto.DecryptionError):
        opened.decrypt(narrative, field="narrative", record="r2")


def test_user_key_unlocks_only_with_the_password(world: World) -> None:
    key = encryption.unlock_user_key(world.bob.user, PASSWORD)
    assert bytes(key) == bytes(world.bob.private_key)
    with pytest.raises(crypto.DecryptionError):
        encryption.unlock_user_key(world.bob.user, "wrong password")


def test_password_change_rewraps_the_same_key(world: World) -> None:
    actions.change_password(world.bob.user, world.bob.private_key, "a brand new long passphrase")
    key = encryption.unlock_user_key(world.bob.user, "a brand new long passphrase")
    assert bytes(key) == bytes(world.bob.private_key)
    with pytest.raises(crypto.DecryptionError):
        encryption.unlock_user_key(world.bob.user, PASSWORD)


def test_removed_member_cannot_open_records_sealed_afterwards(world: World) -> None:
    before = encryption.seal_for_organisation(world.amane, "before removal", place=TEST_PLACE)
    bob_keyring = KeyRing(user=world.bob.user, private_key=world.bob.private_key)
    # bob keeps a copy of the organisation key he could open while a member
    bob_copy_of_org_key = bob_keyring.organisation_private_key(world.amane)
    membership = world.bob.user.memberships.get(organisation=world.amane)
    alice_keyring = KeyRing(user=world.alice.user, private_key=world.alice.private_key)

    actions.deactivate_member(membership, actor=world.alice.user, actor_keyring=alice_keyring)

    assert OrganisationKey.objects.filter(organisation=world.amane).count() == 2
    assert not OrganisationKeyGrant.objects.filter(user=world.bob.user).exists()
    after = encryption.seal_for_organisation(world.amane, "after removal", place=TEST_PLACE)
    bob = request_for(world.bob.user, world.bob.private_key)
    with pytest.raises(AccessDenied):
        encryption.open_for_member(bob, world.amane, after, place=TEST_PLACE)
    # The old key he may have kept does not open the new generation either.
    envelope_after = after[4 : 4 + int.from_bytes(after[:4], "big")]
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(bob_copy_of_org_key, envelope_after[8:])
    # Remaining members open both old and new records.
    alice = request_for(world.alice.user, world.alice.private_key)
    assert (
        encryption.open_for_member(alice, world.amane, before, place=TEST_PLACE)
        == b"before removal"
    )
    assert (
        encryption.open_for_member(alice, world.amane, after, place=TEST_PLACE) == b"after removal"
    )
    actions_seen = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"membership.deactivated", "organisation.key_rotated"} <= actions_seen


def test_rotation_twice_still_opens_the_oldest_records(world: World) -> None:
    oldest = encryption.seal_for_organisation(world.amane, "oldest", place=TEST_PLACE)
    alice_keyring = KeyRing(user=world.alice.user, private_key=world.alice.private_key)
    extra = world.add_member("dina", world.amane, "supervisor")
    for membership in [world.bob.user.memberships.get(), extra.user.memberships.get()]:
        actions.deactivate_member(
            membership,
            actor=world.alice.user,
            actor_keyring=KeyRing(user=world.alice.user, private_key=world.alice.private_key),
        )
    assert encryption.current_organisation_key(world.amane).version == 3
    alice = request_for(world.alice.user, world.alice.private_key)
    assert encryption.open_for_member(alice, world.amane, oldest, place=TEST_PLACE) == b"oldest"
    del alice_keyring


def test_recovery_key_opens_the_current_organisation_key(world: World) -> None:
    sealed = encryption.seal_for_organisation(world.amane, "recoverable", place=TEST_PLACE)
    recovered = encryption.recover_organisation_key(world.amane, world.amane_recovery_key)
    assert bytes(recovered.public_key) == bytes(
        encryption.current_organisation_key(world.amane).public_key
    )
    # A new admin given the key through an invitation opens old records.
    issued = actions.invite(world.amane, "org_admin", actor=None, bootstrap_key=recovered)
    user, private_key = actions.accept_invitation(
        issued.token, user=None, username="newadmin", password="another long passphrase 9"
    )
    assert private_key is not None
    request = request_for(user, private_key)
    assert (
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE) == b"recoverable"
    )
    with pytest.raises(crypto.DecryptionError):
        encryption.recover_organisation_key(world.jordan, world.amane_recovery_key)
    with pytest.raises(crypto.DecryptionError):
        encryption.recover_organisation_key(world.amane, crypto.format_recovery_key(b"\0" * 32))


def test_recovery_works_after_rotation(world: World) -> None:
    alice_keyring = KeyRing(user=world.alice.user, private_key=world.alice.private_key)
    actions.deactivate_member(
        world.bob.user.memberships.get(), actor=world.alice.user, actor_keyring=alice_keyring
    )
    recovered = encryption.recover_organisation_key(world.amane, world.amane_recovery_key)
    assert bytes(recovered.public_key) == bytes(
        encryption.current_organisation_key(world.amane).public_key
    )


# --- The whole database and var/ hold no plaintext ---------------------------------------------


def _raw_database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in name.parent.glob(name.name + "*"))
    if connection.vendor == "postgresql":
        require("pg_dump")
        pg_dump = shutil.which("pg_dump") or "pg_dump"
        params = connection.settings_dict
        command = [
            pg_dump,
            "--no-owner",
            "-h",
            params["HOST"] or "127.0.0.1",
            "-p",
            str(params["PORT"] or 5432),
            "-U",
            params["USER"] or "postgres",
            params["NAME"],
        ]
        return subprocess.run(command, check=True, capture_output=True).stdout
    raise AssertionError(f"unsupported database {connection.vendor}")


def _var_bytes() -> bytes:
    var = Path(settings.VAR_DIR)
    return b"".join(p.read_bytes() for p in var.rglob("*") if p.is_file())


@pytest.mark.django_db(transaction=True)
def test_sealed_marker_is_nowhere_in_the_database_or_var(world: World) -> None:
    marker = f"MARKER-{secrets.token_hex(8)}"
    control = f"CONTROL-{secrets.token_hex(8)}"
    sealed = encryption.seal_for_organisation(world.amane, marker, place=TEST_PLACE)
    blob_type = "BYTEA" if connection.vendor == "postgresql" else "BLOB"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE test_sealed_value (sealed {blob_type}, control TEXT)")
        cursor.execute("INSERT INTO test_sealed_value VALUES (%s, %s)", [sealed, control])
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(FULL)")
        database = _raw_database_bytes()
        # The control proves the search would find plaintext if it were there.
        assert control.encode() in database
        assert marker.encode() not in database
        assert marker.encode() not in _var_bytes()
        with connection.cursor() as cursor:
            cursor.execute("SELECT sealed FROM test_sealed_value")
            stored = bytes(cursor.fetchone()[0])
        bob = request_for(world.bob.user, encryption.unlock_user_key(world.bob.user, PASSWORD))
        assert (
            encryption.open_for_member(bob, world.amane, stored, place=TEST_PLACE)
            == marker.encode()
        )
        charlie = request_for(world.charlie.user, world.charlie.private_key)
        with pytest.raises(AccessDenied):
            encryption.open_for_member(charlie, world.amane, stored, place=TEST_PLACE)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE test_sealed_value")
