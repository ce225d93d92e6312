"""The API's login: one answer for every refusal, locks per account and client, told after."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client, override_settings

from digiamen.accounts import actions
from digiamen.accounts.models import ApiToken, SignInNotice, User
from digiamen.conftest import World, sign_in
from digiamen.core.models import AuditEvent

STRANGER = "198.51.100.7"  # documentation addresses
MEMBER = "203.0.113.9"
WRONG = "not the password at all"


def at(address: str, **extra: str) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def api_login(client: Client, username: str, password: str, otp: str, **more: str) -> Any:
    body = {"username": username, "password": password, "otp": otp, **more}
    return client.post("/api/v1/auth/login", json.dumps(body), content_type="application/json")


def lock_out(client: Client, world: World) -> None:
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK):
        assert api_login(client, "bob", WRONG, world.bob.totp()).status_code == 401


def test_api_login_same_answer_for_locked_unknown_and_wrong(world: World) -> None:
    retired = world.add_member("retired", world.amane, "caseworker")
    User.objects.filter(pk=retired.user.pk).update(is_active=False)
    stranger = at(STRANGER)
    lock_out(stranger, world)
    answers = {
        "wrong password": api_login(at("192.0.2.1"), "bob", WRONG, world.bob.totp()),
        "wrong code": api_login(at("192.0.2.2"), "bob", world.bob.password, "000000"),
        "unknown": api_login(at("192.0.2.3"), "nobody", WRONG, "123456"),
        "inactive": api_login(at("192.0.2.4"), "retired", retired.password, retired.totp()),
        "locked, all right": api_login(stranger, "bob", world.bob.password, world.bob.totp()),
    }
    for name, answer in answers.items():
        assert answer.status_code == 401, name
    assert len({answer.content for answer in answers.values()}) == 1
    assert answers["unknown"].json() == {"detail": "Wrong username, password or code."}
    assert not ApiToken.objects.exists()


def test_api_stranger_cannot_lock_member_out_from_another_client(world: World) -> None:
    stranger = at(STRANGER)
    lock_out(stranger, world)
    assert api_login(stranger, "bob", world.bob.password, world.bob.totp()).status_code == 401
    answer = api_login(at(MEMBER), "bob", world.bob.password, world.bob.totp())
    assert answer.status_code == 200, answer.content
    # The browser sign-in from another client is not locked either; the stranger's client
    # is throttled across usernames once it has failed often enough.
    sign_in(at(MEMBER), world.bob)
    for n in range(settings.LOGIN_CLIENT_FAILURES):
        api_login(stranger, f"guess{n}", WRONG, "123456")
    assert api_login(stranger, "alice", world.alice.password, world.alice.totp()).status_code == 429
    assert (
        api_login(at(MEMBER), "alice", world.alice.password, world.alice.totp()).status_code == 200
    )


def test_api_locked_member_told_after_sign_in(world: World) -> None:
    stranger = at(STRANGER)
    lock_out(stranger, world)
    assert AuditEvent.objects.filter(
        action="login.locked", actor_id=world.bob.user.pk, details__scope="client"
    ).exists()
    answer = api_login(
        at(MEMBER, HTTP_ACCEPT_LANGUAGE="fr"), "bob", world.bob.password, world.bob.totp()
    )
    assert answer.status_code == 200
    notice = answer.json()["sign_in_notice"]
    assert notice.startswith("5 tentatives de connexion échouées")
    # A script may have made that sign-in: the browser still tells the member, once.
    stored = SignInNotice.objects.get(user=world.bob.user)
    assert stored.seen_at is None
    client = at(MEMBER)
    client.post("/en/staff/login/", {"username": "bob", "password": world.bob.password})
    page = client.post("/en/staff/login/verify/", {"code": world.bob.totp()}, follow=True)
    assert b"5 failed sign-in attempts on your account" in page.content
    stored.refresh_from_db()
    assert stored.seen_at is not None
    # Nothing happened since: nothing to tell.
    again = api_login(at(MEMBER), "bob", world.bob.password, world.bob.totp())
    assert again.json()["sign_in_notice"] is None


def test_api_recovery_code_works_while_locked(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    stranger = at(STRANGER)
    lock_out(stranger, world)
    # The authenticator code is not enough from the locked client; a recovery code is.
    assert api_login(stranger, "bob", world.bob.password, world.bob.totp()).status_code == 401
    answer = api_login(stranger, "bob", world.bob.password, f" {codes[0].upper()} ")
    assert answer.status_code == 200, answer.content
    assert AuditEvent.objects.filter(
        action="two_factor.recovery_code_used", actor_id=world.bob.user.pk
    ).exists()
    assert api_login(at(MEMBER), "bob", world.bob.password, codes[0]).status_code == 401


@override_settings(LOGIN_ACCOUNT_FAILURES=8)
def test_api_many_clients_slow_the_member_down_but_never_lock_them_out(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    for n in range(settings.LOGIN_ACCOUNT_FAILURES):
        api_login(at(f"198.51.100.{n + 10}"), "bob", WRONG, "123456")
    fresh = at(MEMBER)
    assert api_login(fresh, "bob", world.bob.password, world.bob.totp()).status_code == 401
    answer = api_login(fresh, "bob", world.bob.password, codes[1])
    assert answer.status_code == 200
    assert "a recovery code still worked" in answer.json()["sign_in_notice"]


def test_api_login_documents_the_one_answer(db: None) -> None:
    operation = Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/auth/login"]
    assert "same 401" in operation["post"]["description"]
