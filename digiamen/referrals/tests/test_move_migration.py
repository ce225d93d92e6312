"""Referrals moved from the directory app to their own: every row is kept, on SQLite and
PostgreSQL, the content type and its permissions follow, and the move can be undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.directory.tests.helpers import make_directory_organisation, make_service
from digiamen.referrals.models import Referral

# Before the move: the directory app holds the model, the referrals app has no migration.
BEFORE: list[tuple[str, str | None]] = [("directory", "0001_initial"), ("referrals", None)]
AFTER = [("directory", "0002_referrals_moved_out")]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _state(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_referral_row(world: World) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case(consent_referral=True)
    service = make_service(make_directory_organisation(name="Jordan", owner=world.jordan))
    try:
        _migrate(BEFORE)
        old = _state([("directory", "0001_initial")])
        OldReferral = old.get_model("directory", "Referral")
        sent = OldReferral.objects.create(
            case_id=case.pk,
            from_organisation_id=world.amane.pk,
            to_organisation_id=world.jordan.pk,
            service_id=service.pk,
            service_type="legal_aid",
            country="MA",
            admin1="MA-06",
            status="accepted",
            sealed_reason=b"sealed reason",
            sealed_copy=b"sealed copy",
            created_by_id=sara.user.pk,
            answered_by_id=sara.user.pk,
            version=2,
        )
        kind = ContentType.objects.get(app_label="directory", model="referral")
        permissions = set(Permission.objects.filter(content_type=kind).values_list("pk", flat=True))
        assert permissions  # Django made them for the model, wherever it lives

        _migrate(AFTER)
        moved = Referral.objects.get()
        assert (moved.pk, moved.case, moved.service, moved.to_organisation) == (
            sent.pk,
            case,
            service,
            world.jordan,
        )
        assert (moved.status, moved.version, moved.answered_by) == ("accepted", 2, sara.user)
        assert (bytes(moved.sealed_reason), bytes(moved.sealed_copy)) == (
            b"sealed reason",
            b"sealed copy",
        )
        assert list(case.referrals.all()) == [moved] == list(service.referrals.all())
        # The same content type row, now the referrals app's, with the same permissions.
        assert ContentType.objects.get_for_model(Referral).pk == kind.pk
        assert not ContentType.objects.filter(app_label="directory", model="referral").exists()
        assert (
            set(
                Permission.objects.filter(content_type__app_label="referrals").values_list(
                    "pk", flat=True
                )
            )
            == permissions
        )
        # New rows go on in the same table.
        Referral.objects.create(
            case=case,
            from_organisation=world.amane,
            service=service,
            service_type="other",
            created_by=sara.user,
        )
        assert case.referrals.count() == 2

        _migrate(BEFORE)
        back = _state([("directory", "0001_initial")])
        assert back.get_model("directory", "Referral").objects.count() == 2
        assert ContentType.objects.get(app_label="directory", model="referral").pk == kind.pk
    finally:
        call_command("migrate", verbosity=0)
        ContentType.objects.clear_cache()
