from __future__ import annotations

import time

from django.conf import settings
from django.test import Client

from digiamen.accounts.models import HashedSession
from digiamen.accounts.session_store import SessionStore, stored_key
from digiamen.conftest import World
from digiamen.core.models import AuditEvent

STAFF_PAGE = "/en/staff/amane/"


def _shift_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_idle_session_ends_after_30_minutes(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    assert client.get(STAFF_PAGE).status_code == 200
    _shift_session(client, seen_at=settings.SESSION_IDLE_SECONDS - 60)
    assert client.get(STAFF_PAGE).status_code == 200  # activity keeps it alive
    _shift_session(client, seen_at=settings.SESSION_IDLE_SECONDS + 1)
    assert client.get(STAFF_PAGE).status_code == 302
    assert AuditEvent.objects.filter(
        action="session.ended", details__reason="idle_timeout"
    ).exists()


def test_session_ends_after_12_hours_even_when_active(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    _shift_session(client, auth_at=settings.SESSION_ABSOLUTE_SECONDS + 1, seen_at=10)
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")
    assert client.get(STAFF_PAGE).status_code == 302


def test_cookie_lifetime_is_the_idle_limit() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Strict"


def test_tampered_session_cookie_is_just_anonymous(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    cookie.set(cookie.key, cookie.value[:-1] + ("a" if cookie.value[-1] != "a" else "b"), "")
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie.value
    assert client.get(STAFF_PAGE).status_code == 302
    # As a WSGI server hands it over: UTF-8 bytes of a bidi override, read as latin-1.
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 5000 + "\u202e".encode().decode("latin-1")
    assert client.get(STAFF_PAGE).status_code == 302


def test_database_holds_a_hash_of_the_cookie_and_no_usable_key(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    cookie_value = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not HashedSession.objects.filter(session_key=cookie_value).exists()
    row = HashedSession.objects.get(session_key=stored_key(cookie_value))
    data = SessionStore().decode(row.session_data)
    assert "wrapped_user_key" in data
    assert bytes(world.bob.private_key).hex() not in row.session_data
    assert bytes(world.bob.private_key).hex() not in str(data)
    # Copying the row under another key (someone with the database) opens nothing.
    assert client.get(STAFF_PAGE).status_code == 200
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = row.session_key
    assert thief.get(STAFF_PAGE).status_code == 302


def test_session_without_its_key_is_ended(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    session = client.session
    session["wrapped_user_key"] = "00" * 80
    session.save()
    assert client.get(STAFF_PAGE).status_code == 302
    assert AuditEvent.objects.filter(action="session.ended", details__reason="locked").exists()


def test_logout_clears_everything(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    assert HashedSession.objects.count() == 1
    response = client.post("/en/staff/logout/")
    assert response.status_code == 302
    assert HashedSession.objects.count() == 0
    assert "cookies" in response["Clear-Site-Data"]
    assert client.get(STAFF_PAGE).status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor_id=world.bob.user.pk).exists()


def test_logout_needs_post(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    assert client.get("/en/staff/logout/").status_code == 405
    assert client.get(STAFF_PAGE).status_code == 200


def test_public_pages_set_no_cookie(client: Client, db: None) -> None:
    for url in ["/en/", "/ar/", "/fr/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, url


def test_clear_site_data_on_idle_timeout(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    assert "Clear-Site-Data" not in client.get(STAFF_PAGE)  # an ordinary page keeps its data
    _shift_session(client, seen_at=settings.SESSION_IDLE_SECONDS + 1)
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_clear_site_data_on_absolute_timeout(signed_in, world: World) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.bob)
    _shift_session(client, auth_at=settings.SESSION_ABSOLUTE_SECONDS + 1, seen_at=10)
    response = client.get(STAFF_PAGE)
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    # The next page of the now anonymous visitor is an ordinary one.
    assert "Clear-Site-Data" not in client.get(STAFF_PAGE)
