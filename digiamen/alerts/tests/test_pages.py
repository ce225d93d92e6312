"""The alerts page, the preferences and the on-call rota: the allowed member, another
organisation's member (404) and an anonymous visitor (to the sign-in page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiamen.alerts import actions
from digiamen.alerts.models import Alert, AlertPreference, OnCallShift
from digiamen.conftest import World, csrf_token_of

PAGES = ["alerts/", "alerts/preferences/", "alerts/on-call/"]


def _alert(world: World) -> Alert:
    return actions.create_alerts(
        world.amane, [world.bob.user], kind="new_report", urgent=True, dedup_key="report:test"
    )[0]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(world: World, page: str) -> None:
    response = Client().get(f"/en/staff/amane/{page}")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_another_organisations_member_gets_404(world: World, signed_in: Any, page: str) -> None:
    assert signed_in(world.charlie).get(f"/en/staff/amane/{page}").status_code == 404


def test_the_rota_is_for_supervisors(world: World, signed_in: Any) -> None:
    assert signed_in(world.bob).get("/en/staff/amane/alerts/on-call/").status_code == 403


def test_a_member_reads_and_marks_alerts(world: World, signed_in: Any) -> None:
    alert = _alert(world)
    bob = signed_in(world.bob)
    home = bob.get("/en/staff/amane/").content.decode()
    assert "1 unread alert" in home and "/en/staff/amane/alerts/" in home
    page = bob.get("/en/staff/amane/alerts/").content.decode()
    # The name isolated: a Latin name in parentheses keeps its place in an Arabic line.
    assert "1 urgent report is waiting in \u2068Amane\u2069. Open Digi-Amen." in page
    token = csrf_token_of(page)
    # Charlie cannot mark bob's alert; a bad value is refused.
    assert (
        bob.post(
            "/en/staff/amane/alerts/", {"csrfmiddlewaretoken": token, "alert": "x"}
        ).status_code
        == 400
    )
    response = bob.post(
        "/en/staff/amane/alerts/", {"csrfmiddlewaretoken": token, "alert": str(alert.pk)}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.read_at is not None
    home = bob.get("/en/staff/amane/").content.decode()
    # Nothing unread: no count in the header, only the way to the alerts page.
    assert "unread alert" not in home and 'href="/en/staff/amane/alerts/">Alerts</a>' in home


def test_someone_elses_alert_cannot_be_marked(world: World, signed_in: Any) -> None:
    alert = _alert(world)
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    token = csrf_token_of(client.get("/en/staff/amane/alerts/").content.decode())
    response = client.post(
        "/en/staff/amane/alerts/", {"csrfmiddlewaretoken": token, "alert": str(alert.pk)}
    )
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.read_at is None


def _preferences(client: Client, **data: Any) -> Any:
    url = "/en/staff/amane/alerts/preferences/"
    token = csrf_token_of(client.get(url).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def test_preferences_keep_the_address_sealed(world: World, signed_in: Any) -> None:
    bob = signed_in(world.bob)
    response = _preferences(
        bob, email="bob@example.org", quiet_from="22", quiet_to="7", email_new_report="on"
    )
    assert response.status_code == 302
    preference = AlertPreference.objects.get(user=world.bob.user)
    assert b"bob@example.org" not in bytes(preference.email)
    assert actions.current_email(world.bob.user) == "bob@example.org"
    assert preference.wants("new_report", "email") and not preference.wants("assigned", "email")
    assert preference.is_quiet(23) and preference.is_quiet(3) and not preference.is_quiet(12)


def test_a_bad_address_is_refused_in_the_language_and_nothing_changes(
    world: World, signed_in: Any
) -> None:
    bob = signed_in(world.bob, "fr")
    url = "/fr/staff/amane/alerts/preferences/"
    token = csrf_token_of(bob.get(url).content.decode())
    response = bob.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "email": "not an address",
            "quiet_from": "0",
            "quiet_to": "0",
        },
    )
    assert response.status_code == 400
    assert "adresse" in response.content.decode().lower()
    response = bob.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "email": "bob@example.org",
            "quiet_from": "25",
            "quiet_to": "0",
        },
    )
    assert response.status_code == 400
    assert not AlertPreference.objects.exists()


def test_a_supervisor_edits_the_rota(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, "supervisor")
    client = signed_in(sara)
    url = "/en/staff/amane/alerts/on-call/"
    token = csrf_token_of(client.get(url).content.decode())
    base = {"csrfmiddlewaretoken": token, "operation": "add", "weekday": "0"}
    response = client.post(
        url, {**base, "member": str(world.bob.user.pk), "start": "8", "end": "16"}
    )
    assert response.status_code == 302
    shift = OnCallShift.objects.get()
    assert (shift.user, shift.start_hour, shift.end_hour) == (world.bob.user, 8, 16)
    # An end before the start, or someone who is not a caseworker here: 400, nothing added.
    bad = client.post(url, {**base, "member": str(world.bob.user.pk), "start": "9", "end": "8"})
    assert bad.status_code == 400
    alice = client.post(url, {**base, "member": str(world.alice.user.pk), "start": "1", "end": "2"})
    assert alice.status_code == 400
    assert OnCallShift.objects.count() == 1
    assert "bob" in client.get(url).content.decode()
    removed = client.post(
        url, {"csrfmiddlewaretoken": token, "operation": "remove", "shift": str(shift.pk)}
    )
    assert removed.status_code == 302 and not OnCallShift.objects.exists()
