from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digiamen.alerts import actions, demo
from digiamen.alerts.models import AlertPreference
from digiamen.channels import actions as channel_actions
from digiamen.conftest import World


def test_the_demo_has_addresses_and_someone_on_call_at_every_hour(world: World) -> None:
    world.add_member("sara", world.amane, "supervisor")
    channel_actions.create_gateway(world.amane, name="SMS")  # as the channels demo does
    loaded = demo.load([world.amane, world.jordan])
    assert actions.current_email(world.bob.user) == "bob@example.org"
    assert AlertPreference.objects.count() == 4
    # Numbers from the drama range, by text for new reports, only where a gateway is.
    bob = actions.current_phone(world.bob.user)
    assert bob.startswith("+447700900")
    assert AlertPreference.objects.get(user=world.bob.user).wants("new_report", "sms")
    assert actions.current_phone(world.charlie.user) == ""
    assert len({entry["phone"] for entry in loaded["alert_addresses"]} - {""}) == 3
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    for hour in range(24 * 7):
        assert actions.on_call(world.amane, monday + timedelta(hours=hour))
