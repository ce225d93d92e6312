"""The prevention pages for every role of the organisation, another organisation's member and
an anonymous visitor; campaign codes and sessions made through the forms; bad input refused
in the reader's language with nothing stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.accounts.models import Role
from digiamen.awareness.models import AwarenessSession, Campaign
from digiamen.awareness.tests.helpers import campaign
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

BASE = "/en/staff/amane/awareness/"
PAGES = {
    "": set(Role.values) - {Role.PLATFORM_LIAISON},
    "campaigns/add/": {Role.ORG_ADMIN, Role.SUPERVISOR, Role.DATA_OFFICER},
    "sessions/add/": {Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN, Role.DATA_OFFICER},
}


def test_permission_matrix(world: World, signed_in: Any) -> None:
    members = {role: world.add_member(f"m-{role}", world.amane, role) for role in Role.values}
    stranger = world.add_member("stranger", world.jordan, Role.ORG_ADMIN)
    for page, allowed in PAGES.items():
        for role, member in members.items():
            status = signed_in(member).get(BASE + page).status_code
            assert status == (200 if role in allowed else 403), (page, role, status)
        assert signed_in(stranger).get(BASE + page).status_code == 404, page
        anonymous = Client().get(BASE + page)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"], page


def _campaign_form(**more: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "Schools of Rabat",
        "code": "school-rabat-2027",
        "channel": "school_session",
        "admin1": "MA-04",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=200)).isoformat(),
        **more,
    }


def test_an_admin_makes_a_campaign_code_and_sees_its_link(world: World, signed_in: Any) -> None:
    admin = signed_in(world.alice)
    response = admin.post(BASE + "campaigns/add/", _campaign_form())
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.code == "SCHOOL-RABAT-2027" and campaign.organisation == world.amane
    page = admin.get(BASE).content.decode()
    assert "/en/report/?c=SCHOOL-RABAT-2027" in page
    event = AuditEvent.objects.get(action="awareness.campaign_created")
    assert event.details == {"code": "SCHOOL-RABAT-2027"}
    # Another organisation does not see it.
    assert (
        "SCHOOL-RABAT-2027"
        not in signed_in(world.charlie).get("/en/staff/jordan/awareness/").content.decode()
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "ab"}, "A code has 3 to 40 capital letters"),
        ({"code": "<script>"}, "A code has 3 to 40 capital letters"),
        ({"code": "ÉCOLE-2027"}, "A code has 3 to 40 capital letters"),
        ({"name": "Rabat \u202egnirps"}, "invisible characters"),
        ({"name": "x" * 500}, "at most 120 characters"),
        ({"starts_on": "1999-01-01", "ends_on": "1999-06-01"}, "These dates are out of range"),
        ({"starts_on": "2026-13-40"}, "Enter a valid date"),
        ({"admin1": "JO-AM"}, "Select a valid choice"),
        ({"channel": "carrier-pigeon"}, "Select a valid choice"),
    ],
)
def test_a_bad_campaign_is_refused_and_nothing_is_stored(
    world: World, signed_in: Any, changes: dict[str, str], message: str
) -> None:
    response = signed_in(world.alice).post(BASE + "campaigns/add/", _campaign_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_taken_code_and_a_campaign_ending_before_it_starts_are_refused_in_french(
    world: World, signed_in: Any
) -> None:
    admin = signed_in(world.alice)
    assert admin.post(BASE + "campaigns/add/", _campaign_form()).status_code == 302
    again = admin.post("/fr/staff/amane/awareness/campaigns/add/", _campaign_form())
    assert again.status_code == 400 and "Ce code est déjà pris" in again.content.decode()
    today = timezone.localdate()
    backwards = _campaign_form(code="OTHER-2027", ends_on=(today - timedelta(days=1)).isoformat())
    response = admin.post("/fr/staff/amane/awareness/campaigns/add/", backwards)
    assert response.status_code == 400 and "se termine avant" in response.content.decode()
    assert Campaign.objects.count() == 1


def _session_form(**more: Any) -> dict[str, Any]:
    return {
        "held_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "admin1": "MA-04",
        "setting": "school",
        "audience": "adolescents",
        "count_14_17_female": "18",
        "count_14_17_male": "١٥",  # typed with Arabic-Indic digits
        "count_adult_female": "2",
        **more,
    }


def test_a_caseworker_records_a_session_as_counts_only(world: World, signed_in: Any) -> None:
    response = signed_in(world.bob).post(BASE + "sessions/add/", _session_form())
    assert response.status_code == 302
    session = AwarenessSession.objects.get()
    assert (session.children_reached, session.adults_reached) == (33, 2)
    assert session.participants["14_17"] == {"female": 18, "male": 15}
    assert session.recorded_by == world.bob.user
    assert AuditEvent.objects.get(action="awareness.session_recorded").details == {
        "participants": 35
    }
    page = signed_in(world.alice).get(BASE).content.decode()
    assert "reaching 33 children and 2 adults" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count_14_17_female": "-4"}, "greater than or equal to 0"),
        ({"count_14_17_female": "900000"}, "less than or equal to 5000"),
        ({"count_14_17_female": "lots"}, "Enter a whole number"),
        (
            {"count_14_17_female": "4000", "count_14_17_male": "4000"},
            "At most 5000 people in one session",
        ),
        (
            {"count_14_17_female": "", "count_14_17_male": "", "count_adult_female": "0"},
            "Count at least one participant",
        ),
        ({"held_on": "2999-01-01"}, "A session is recorded once it has been held"),
        ({"held_on": "1999-12-31"}, "This date is out of range"),
        ({"admin1": "JO-AM"}, "Select a valid choice"),
        ({"setting": "nightclub"}, "Select a valid choice"),
        ({"campaign": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_session_is_refused_and_nothing_is_stored(
    world: World, signed_in: Any, changes: dict[str, str], message: str
) -> None:
    response = signed_in(world.bob).post(BASE + "sessions/add/", _session_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AwarenessSession.objects.exists()


def test_another_organisations_campaign_cannot_be_named_on_a_session(
    world: World, signed_in: Any
) -> None:
    theirs = campaign(
        world, "AMMAN-RADIO", organisation=world.jordan, created_by=world.charlie.user
    )
    response = signed_in(world.bob).post(
        BASE + "sessions/add/", _session_form(campaign=str(theirs.pk))
    )
    assert response.status_code == 400
    assert not AwarenessSession.objects.exists()
