"""Dated exceptions to the weekly rota: they replace the pattern for their hours (who is
alerted), the rota page shows and edits them (supervisors only), bad input is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from digiamen.accounts import time_zones
from digiamen.accounts.models import Organisation, Role
from digiamen.alerts import actions, rota
from digiamen.alerts.models import OnCallException
from digiamen.conftest import World, csrf_token_of
from digiamen.core.models import AuditEvent

URL = "/en/staff/amane/alerts/on-call/"
EXCEPTIONS = "/en/staff/amane/alerts/on-call/exceptions/"


def _at(day: Any, hour: int) -> datetime:
    """Half past ``hour`` on ``day`` in Amane's local time (the rota's clock)."""
    zone = time_zones.zone_of(Organisation.objects.get(slug="amane"))
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=zone)


def test_an_exception_replaces_the_weekly_pattern_for_its_hours_only(world: World) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR).user
    day = timezone.localdate() + timedelta(days=2)
    actions.add_shift(
        world.amane, sara, user=world.bob.user, weekday=day.weekday(), start=0, end=24
    )
    rota.add_exception(world.amane, sara, user=sara, day=day, start=8, end=12)
    assert actions.on_call(world.amane, _at(day, 7)) == [world.bob.user]
    assert actions.on_call(world.amane, _at(day, 8)) == [sara]
    assert actions.on_call(world.amane, _at(day, 11)) == [sara]
    assert actions.on_call(world.amane, _at(day, 12)) == [world.bob.user]
    # The same weekday a week later keeps the pattern; another organisation is untouched.
    assert actions.on_call(world.amane, _at(day + timedelta(days=7), 9)) == [world.bob.user]
    assert actions.on_call(world.jordan, _at(day, 9)) == []


def test_an_exception_on_a_day_without_a_pattern_puts_someone_on_call(world: World) -> None:
    day = timezone.localdate() + timedelta(days=1)
    rota.add_exception(world.amane, world.alice.user, user=world.bob.user, day=day, start=0, end=24)
    assert actions.on_call(world.amane, _at(day, 3)) == [world.bob.user]
    # A member who left is not on call, exception or not.
    world.bob.user.memberships.update(is_active=False)
    assert actions.on_call(world.amane, _at(day, 3)) == []


@pytest.mark.parametrize(
    ("offset", "start", "end", "who", "code"),
    [
        (-1, 8, 9, "bob", "past"),
        (0, 9, 9, "bob", "hours"),
        (0, -1, 9, "bob", "hours"),
        (0, 5, 25, "bob", "hours"),
        (0, 5, 6, "alice", "not_a_caseworker"),
        (0, 5, 6, "charlie", "not_a_caseworker"),
        (0, 5, 6, None, "not_a_caseworker"),
    ],
)
def test_bad_exceptions_are_refused(
    world: World, offset: int, start: int, end: int, who: str | None, code: str
) -> None:
    user = {"bob": world.bob.user, "alice": world.alice.user, "charlie": world.charlie.user}
    with pytest.raises(rota.RotaError) as refused:
        rota.add_exception(
            world.amane,
            world.alice.user,
            user=user.get(who or ""),
            # The organisation's today (near midnight UTC, already tomorrow in Rabat).
            day=time_zones.local(timezone.now(), world.amane).date() + timedelta(days=offset),
            start=start,
            end=end,
        )
    assert refused.value.code == code
    assert not OnCallException.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="alerts.").exists()


def test_a_supervisor_adds_and_removes_an_exception_on_the_rota_page(
    world: World, signed_in: Any
) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    client = signed_in(sara)
    page = client.get(URL).content.decode()
    assert "No exceptions from today on." in page
    token = csrf_token_of(page)
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    base = {"csrfmiddlewaretoken": token, "operation": "add"}
    added = client.post(
        EXCEPTIONS,
        {
            **base,
            "exception-member": str(world.bob.user.pk),
            "exception-date": day,
            "exception-start": "8",
            "exception-end": "20",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    exception = OnCallException.objects.get()
    assert (exception.user, exception.date.isoformat(), exception.start_hour) == (
        world.bob.user,
        day,
        8,
    )
    page = client.get(URL).content.decode()
    assert day in page and "Exceptions from today on" in page
    event = AuditEvent.objects.get(action="alerts.rota_exception_added")
    assert event.details == {"date": day, "start": 8, "end": 20, "member": "bob"}
    removed = client.post(
        EXCEPTIONS,
        {"csrfmiddlewaretoken": token, "operation": "remove", "exception": str(exception.pk)},
    )
    assert removed.status_code == 302 and not OnCallException.objects.exists()
    assert AuditEvent.objects.filter(action="alerts.rota_exception_removed").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"exception-date": "2020-01-01"}, "Choose today or a later date."),
        ({"exception-date": "not a date"}, "Enter a valid date."),
        ({"exception-start": "9", "exception-end": "9"}, "The end must come after the start."),
        ({"exception-end": "25"}, "Select a valid choice."),
        ({"exception-member": "ALICE"}, "Select a valid choice."),
        ({"exception-member": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_exceptions_on_the_page_are_a_400_and_nothing_changes(
    world: World, signed_in: Any, fields: dict[str, str], message: str
) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    client = signed_in(sara)
    token = csrf_token_of(client.get(URL).content.decode())
    data = {
        "csrfmiddlewaretoken": token,
        "operation": "add",
        "exception-member": str(world.bob.user.pk),
        "exception-date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "exception-start": "8",
        "exception-end": "9",
        **fields,
    }
    if data["exception-member"] == "ALICE":
        data["exception-member"] = str(world.alice.user.pk)
    response = client.post(EXCEPTIONS, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OnCallException.objects.exists()


def test_a_bad_exception_is_refused_in_french(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    client = signed_in(sara, "fr")
    url = "/fr/staff/amane/alerts/on-call/exceptions/"
    token = csrf_token_of(client.get("/fr/staff/amane/alerts/on-call/").content.decode())
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "operation": "add",
            "exception-member": str(world.bob.user.pk),
            "exception-date": "2026-02-30",
            "exception-start": "8",
            "exception-end": "9",
        },
    )
    assert response.status_code == 400
    assert "Saisissez une date valide." in response.content.decode()
    assert not OnCallException.objects.exists()


def test_only_the_organisations_supervisors_edit_exceptions(world: World, signed_in: Any) -> None:
    day = timezone.localdate() + timedelta(days=1)
    exception = rota.add_exception(
        world.amane, world.alice.user, user=world.bob.user, day=day, start=1, end=2
    )
    for role in set(Role.values) - {Role.SUPERVISOR}:
        client = signed_in(world.add_member(f"m-{role}", world.amane, role))
        assert client.get(URL).status_code == 403, role
        token = csrf_token_of(client.get("/en/staff/amane/").content.decode())
        response = client.post(
            EXCEPTIONS,
            {"csrfmiddlewaretoken": token, "operation": "remove", "exception": str(exception.pk)},
        )
        assert response.status_code == 403, role
    outsider = signed_in(world.add_member("jsup", world.jordan, Role.SUPERVISOR))
    token = csrf_token_of(outsider.get("/en/staff/jordan/alerts/on-call/").content.decode())
    # Another organisation's supervisor: Amane's page is not found, nor its exception
    # through their own organisation's address.
    assert outsider.get(URL).status_code == 404
    stranger = outsider.post(
        "/en/staff/jordan/alerts/on-call/exceptions/",
        {"csrfmiddlewaretoken": token, "operation": "remove", "exception": str(exception.pk)},
    )
    assert stranger.status_code == 404
    anonymous = Client().post(EXCEPTIONS, {"operation": "remove", "exception": str(exception.pk)})
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    assert OnCallException.objects.filter(pk=exception.pk).exists()


def test_an_unknown_operation_is_a_400(world: World, signed_in: Any) -> None:
    sara = world.add_member("sara", world.amane, Role.SUPERVISOR)
    client = signed_in(sara)
    token = csrf_token_of(client.get(URL).content.decode())
    response = client.post(EXCEPTIONS, {"csrfmiddlewaretoken": token, "operation": "bogus"})
    assert response.status_code == 400
    assert "Some values are not valid." in response.content.decode()
    removed = client.post(
        EXCEPTIONS, {"csrfmiddlewaretoken": token, "operation": "remove", "exception": "x"}
    )
    assert removed.status_code == 404
    assert not OnCallException.objects.exists()
