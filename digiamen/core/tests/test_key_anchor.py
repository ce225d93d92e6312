"""The trust anchor: a complete key chain, or a recovery key, written into the database by
someone without the server's secret key is never sealed to (core.key_signing)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import override_settings
from nacl.public import PrivateKey

from digiamen.accounts import actions
from digiamen.accounts.models import Organisation
from digiamen.conftest import World
from digiamen.core import crypto, encryption, key_signing
from digiamen.core.models import AuditEvent, OrganisationKey


def _fresh(organisation: Organisation) -> Organisation:
    key_signing._verified_prefix.clear()
    key_signing._newest_seen.clear()
    return Organisation.objects.get(pk=organisation.pk)


def _forge_whole_chain(organisation: Organisation) -> PrivateKey:
    """The attacker's own generation 1, signed by itself, in place of the real one."""
    attacker = crypto.new_private_key()
    OrganisationKey.objects.filter(organisation=organisation, version__gt=1).delete()
    forged = OrganisationKey.objects.get(organisation=organisation, version=1)
    forged.public_key = bytes(attacker.public_key)
    key_signing.sign_generation(forged, attacker, None)
    forged.save()
    return attacker


def test_a_forged_complete_chain_is_refused(world: World) -> None:
    organisation = _fresh(world.amane)
    assert bytes(organisation.key_anchor)  # anchored at creation
    assert encryption.current_organisation_key(organisation).version == 1  # can fail
    attacker = _forge_whole_chain(organisation)
    organisation = _fresh(organisation)
    # The forged chain verifies on its own: only the anchor tells it apart.
    rows = list(OrganisationKey.objects.filter(organisation=organisation))
    assert key_signing._verified_length(organisation.pk, rows) == 1
    with pytest.raises(encryption.AccessDenied):
        encryption.current_organisation_key(organisation)
    with pytest.raises(encryption.AccessDenied):
        encryption.new_record_key(organisation)
    assert AuditEvent.objects.filter(action="organisation.key_anchor_refused").exists()
    assert bytes(attacker.public_key) == bytes(rows[0].public_key)


def test_a_swapped_recovery_key_is_refused(world: World) -> None:
    attacker = crypto.new_private_key()
    Organisation.objects.filter(pk=world.amane.pk).update(
        recovery_public_key=bytes(attacker.public_key)
    )
    organisation = _fresh(world.amane)
    with pytest.raises(encryption.AccessDenied):
        encryption.rotate_organisation_key(organisation, world.amane_key, [world.bob.user])
    assert not OrganisationKey.objects.filter(organisation=organisation, version=2).exists()


def test_rotating_the_recovery_key_moves_the_anchor(world: World) -> None:
    before = bytes(_fresh(world.amane).key_anchor)
    actions.rotate_recovery_key(
        world.amane, actor=world.alice.user, organisation_private_key=world.amane_key
    )
    organisation = _fresh(world.amane)
    assert bytes(organisation.key_anchor) != before
    assert encryption.current_organisation_key(organisation).version == 1


def test_a_secret_key_being_rotated_keeps_the_anchor_through_its_fallback(world: World) -> None:
    from django.conf import settings as django_settings

    old_secret = django_settings.SECRET_KEY
    with override_settings(SECRET_KEY="a new secret key " * 4, SECRET_KEY_FALLBACKS=[old_secret]):
        assert encryption.current_organisation_key(_fresh(world.amane)).version == 1
    with (
        override_settings(SECRET_KEY="a new secret key " * 4, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(encryption.AccessDenied),
    ):
        encryption.current_organisation_key(_fresh(world.amane))


def test_the_migration_anchors_organisations_signed_before(world: World) -> None:
    from importlib import import_module

    migration = import_module("digiamen.accounts.migrations.0009_organisation_key_anchor")
    expected = bytes(_fresh(world.amane).key_anchor)
    Organisation.objects.update(key_anchor=None)
    migration.anchor_signed_organisations(apps, None)
    assert bytes(_fresh(world.amane).key_anchor) == expected
    assert bytes(_fresh(world.jordan).key_anchor)


def test_a_report_to_an_organisation_with_a_refused_chain_is_not_sealed_to_it(
    world: World,
) -> None:
    """The report is refused with a clear answer (the attacker's key gets nothing), never a
    server error, and nothing is written."""
    import json

    from django.test import Client

    from digiamen.intake.models import Report

    _forge_whole_chain(world.amane)
    key_signing._verified_prefix.clear()
    body = {"harm_types": ["sexual_extortion"], "country": "MA", "narrative": "He threatens me."}
    response = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"]
    assert "Reports cannot be received right now" in response.json()["detail"]
    assert not Report.objects.exists()


def test_blanking_the_anchor_does_not_switch_the_check_off(world: World) -> None:
    Organisation.objects.filter(pk=world.amane.pk).update(key_anchor=None)
    with pytest.raises(encryption.AccessDenied):
        encryption.current_organisation_key(_fresh(world.amane))
