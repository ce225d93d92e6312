from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digiamen.alerts import actions, demo
from digiamen.alerts.models import AlertPreference
from digiamen.conftest import World


def test_the_demo_has_addresses_and_someone_on_call_at_every_hour(world: World) -> None:
    world.add_member("sara", world.amane, "supervisor")
    demo.load([world.amane])
    assert actions.current_email(world.bob.user) == "bob@example.org"
    assert AlertPreference.objects.count() == 3
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    for hour in range(24 * 7):
        assert actions.on_call(world.amane, monday + timedelta(hours=hour))
