"""Networks moved from the evidence app to their own: every row is kept, on SQLite and
PostgreSQL, and the move can be undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from digiamen.accounts.models import Organisation as CurrentOrganisation
from digiamen.media.models import HashBank
from digiamen.networks.models import Network, NetworkMember

BEFORE = [("evidence", "0001_initial"), ("media", "0001_initial")]
AFTER = [("evidence", "0002_networks_moved_out")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_network_row() -> None:
    try:
        old = _migrate(BEFORE)
        Organisation = old.get_model("accounts", "Organisation")
        OldNetwork = old.get_model("evidence", "Network")
        OldMember = old.get_model("evidence", "NetworkMember")
        OldPeer = old.get_model("evidence", "PeerInstance")
        OldBank = old.get_model("media", "HashBank")
        secretariat, member = (
            Organisation.objects.create(
                slug=slug, name=slug, country="MA", recovery_public_key=b"k" * 32
            )
            for slug in ("sec", "mem")
        )
        network = OldNetwork.objects.create(
            slug="maroc-net", name="Réseau Maroc", kind="national", secretariat=secretariat
        )
        OldMember.objects.create(network=network, organisation=member, shares_statistics=True)
        OldPeer.objects.create(network=network, name="tunis", public_key=b"v" * 32)
        OldBank.objects.create(organisation=member, name="Shared bank", network=network)

        _migrate(AFTER)
        moved = Network.objects.get(slug="maroc-net")
        assert (moved.pk, moved.name, moved.secretariat.slug) == (
            network.pk,
            "Réseau Maroc",
            "sec",
        )
        assert [(m.organisation.slug, m.shares_statistics) for m in moved.members.all()] == [
            ("mem", True)
        ]
        assert [p.name for p in moved.peers.all()] == ["tunis"]
        assert HashBank.objects.get(name="Shared bank").network == moved
        assert list(Network.objects.of(CurrentOrganisation.objects.get(slug="mem"))) == [moved]
        # New rows go on in the same tables.
        NetworkMember.objects.create(network=moved, organisation=moved.secretariat)
        assert moved.members.count() == 2

        back = _migrate(BEFORE)
        assert back.get_model("evidence", "NetworkMember").objects.count() == 2
        assert back.get_model("media", "HashBank").objects.get().network_id == moved.pk
    finally:
        call_command("migrate", verbosity=0)
