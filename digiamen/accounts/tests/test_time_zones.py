"""Each organisation reads times in its own zone: deadlines, the rota and typed-in times;
across a change of the clocks too. The admin sets the zone; the API keeps UTC offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from digiamen.accounts import time_zones
from digiamen.accounts.models import Organisation
from digiamen.alerts import actions as alert_actions
from digiamen.alerts.models import OnCallShift
from digiamen.cases.models import Case, Task
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

# Morocco puts its clocks back an hour for Ramadan: at 02:00 UTC on 15 February 2026,
# 03:00 local (UTC+1) becomes 02:00 (UTC+0). Jordan keeps UTC+3 all year.
MOROCCO_CHANGE = datetime(2026, 2, 15, 2, 0, tzinfo=UTC)


def test_each_country_of_the_region_has_its_zone() -> None:
    assert time_zones.default_for("MA") == "Africa/Casablanca"
    assert time_zones.default_for("jo") == "Asia/Amman"
    for country in ("TN", "DZ", "EG", "MR", "SD", "LY"):
        assert time_zones.default_for(country).startswith("Africa/")
    assert all(time_zones.is_valid(name) for name in time_zones.COUNTRY_ZONES.values())
    assert time_zones.default_for("BR") == "UTC"  # outside the region: the site's zone


def _case_due(organisation: Organisation, due: datetime) -> Case:
    case = new_case("JO" if organisation.country == "JO" else "MA")
    assert case.organisation == organisation
    Case.objects.filter(pk=case.pk).update(first_contact_due=due)
    return case


@pytest.mark.parametrize(
    ("due", "rabat", "amman"),
    [
        # An hour before the change: Rabat is UTC+1.
        (MOROCCO_CHANGE - timedelta(minutes=30), "2026-02-15 02:30", "2026-02-15 04:30"),
        # An hour later in UTC, the same hour on Rabat's clocks: they went back.
        (MOROCCO_CHANGE + timedelta(minutes=30), "2026-02-15 02:30", "2026-02-15 05:30"),
    ],
)
def test_a_moroccan_and_a_jordanian_supervisor_each_see_a_deadline_in_local_time(
    world: World, signed_in: Any, due: datetime, rabat: str, amman: str
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    jamal = world.add_member("jamal", world.jordan, "supervisor")
    moroccan = _case_due(world.amane, due)
    jordanian = _case_due(world.jordan, due)

    page = signed_in(sara).get(f"/en/staff/amane/cases/{moroccan.number}/").content.decode()
    assert rabat in page and amman not in page
    assert "Africa/Casablanca" in page
    queue = signed_in(sara).get("/en/staff/amane/cases/?queue=all").content.decode()
    assert rabat in queue

    page = signed_in(jamal).get(f"/en/staff/jordan/cases/{jordanian.number}/").content.decode()
    assert amman in page and rabat not in page
    assert "Asia/Amman" in page and "UTC+03:00" in page
    # The deadline is long past: counted as overdue, in days.
    assert "overdue by" in page

    # The API keeps the instant with its offset, whoever asks.
    assert moroccan.first_contact_due.utcoffset() == timedelta(0)


def test_deadlines_are_counted_in_words_in_each_language() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    with translation.override("en"):
        assert time_zones.relative(now + timedelta(hours=2, minutes=10), now) == "in 2 h 10 min"
        assert time_zones.relative(now - timedelta(minutes=25), now) == "overdue by 25 min"
        assert time_zones.relative(now + timedelta(days=3), now) == "in 3 days"
    with translation.override("fr"):
        assert time_zones.relative(now - timedelta(minutes=25), now) == "en retard de 25 min"
    with translation.override("ar"):
        arabic = time_zones.relative(now + timedelta(hours=2, minutes=10), now)
        assert "2" in arabic and "10" in arabic and "in" not in arabic


def test_a_task_due_time_is_typed_in_local_time_and_a_skipped_hour_is_refused(
    world: World, signed_in: Any
) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    case = new_case()
    client = signed_in(sara, "fr")
    base = f"/fr/staff/amane/cases/{case.number}/"
    # 10:00 in Rabat in December (UTC+1) is 09:00 UTC.
    assert client.post(base + "tasks/", {"title": "Call", "due_at": "2026-12-10 10:00"}).status_code
    task = Task.objects.get()
    assert task.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)

    # An organisation in Cairo: on 24 April 2026 its clocks jump from 00:00 to 01:00.
    world.amane.time_zone = "Africa/Cairo"
    world.amane.save(update_fields=["time_zone"])
    response = client.post(base + "tasks/", {"title": "Call", "due_at": "2026-04-24 00:30"})
    assert response.status_code == 400
    assert "Africa/Cairo" in response.content.decode()
    assert Task.objects.count() == 1


def test_the_rota_and_quiet_hours_follow_the_organisation_clock(world: World) -> None:
    # Monday 7 December 2026, 07:30 UTC is 08:30 in Rabat: the day shift has begun there.
    OnCallShift.objects.create(
        organisation=world.amane, user=world.bob.user, weekday=0, start_hour=8, end_hour=20
    )
    monday = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    assert alert_actions.on_call(world.amane, monday) == [world.bob.user]
    assert alert_actions.on_call(world.amane, monday - timedelta(hours=1)) == []


def test_each_request_starts_in_the_site_zone(world: World, signed_in: Any) -> None:
    client = signed_in(world.bob)
    assert client.get("/en/staff/amane/cases/").status_code == 200
    # The organisation's zone was active for that request only.
    assert timezone.get_current_timezone_name() == "UTC"
    home = client.get("/en/staff/account/").content.decode()
    assert "Times are in" in home and "UTC" in home


class TestSettingsPage:
    url = "/fr/staff/amane/settings/"

    def test_the_admin_sets_the_zone_and_it_is_audited(self, world: World, signed_in: Any) -> None:
        client = signed_in(world.alice, "fr")
        page = client.get(self.url).content.decode()
        assert 'value="Africa/Casablanca" selected' in page
        response = client.post(self.url, {"time_zone": "Asia/Amman", "discreet_title": ""})
        assert response.status_code == 302
        world.amane.refresh_from_db()
        assert world.amane.time_zone == "Asia/Amman"
        event = AuditEvent.objects.filter(action="organisation.settings_changed").last()
        assert event is not None and event.details == {"time_zone": "Asia/Amman"}
        # Back to the country's: stored as "follow the country".
        client.post(self.url, {"time_zone": "Africa/Casablanca", "discreet_title": ""})
        world.amane.refresh_from_db()
        assert world.amane.time_zone == ""

    @pytest.mark.parametrize(
        "zone", ["Mars/Olympus", "Africa/Casablanca\u202e", "x" * 500, "../../etc/localtime"]
    )
    def test_a_wrong_zone_is_refused_in_the_page_language(
        self, world: World, signed_in: Any, zone: str
    ) -> None:
        client = signed_in(world.alice, "fr")
        response = client.post(self.url, {"time_zone": zone, "discreet_title": "Devoirs"})
        assert response.status_code == 400
        text = response.content.decode()
        assert "Choisissez un fuseau horaire dans la liste." in text
        world.amane.refresh_from_db()
        assert world.amane.time_zone == "" and world.amane.discreet_title == ""

    def test_only_the_organisations_admin(self, world: World, signed_in: Any) -> None:
        post = {"time_zone": "Asia/Amman", "discreet_title": ""}
        assert signed_in(world.bob).post(self.url, post).status_code == 403
        assert signed_in(world.charlie).post(self.url, post).status_code == 404
        anonymous = Client().post(self.url, post)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
        world.amane.refresh_from_db()
        assert world.amane.time_zone == ""
