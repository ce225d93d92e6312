"""Sign-in locks per account and client, one answer for every refusal, the member told.

Clients are told apart by their address (the test client's REMOTE_ADDR), which the
application only ever sees as a daily keyed pseudonym.
"""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from digiamen.accounts import actions
from digiamen.accounts.models import SignInNotice, User
from digiamen.conftest import World, sign_in
from digiamen.core.clients import RateLimit
from digiamen.core.hashers import FastArgon2PasswordHasher
from digiamen.core.models import AuditEvent

LOGIN = "/en/staff/login/"
RECOVERY = "/en/staff/login/recovery/"
VERIFY = "/en/staff/login/verify/"
STRANGER = "198.51.100.7"  # documentation addresses
MEMBER = "203.0.113.9"
WRONG = "not the password at all"


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def post_password(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def post_recovery(client: Client, username: str, password: str, code: str) -> Any:
    return client.post(RECOVERY, {"username": username, "password": password, "code": code})


def lock_out(client: Client, username: str = "bob") -> None:
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK):
        response = post_password(client, username, WRONG)
        assert response.status_code == 400


def page_shape(response: Any, username: str) -> str:
    """The page without what differs by design: the CSRF token and the name typed."""
    body = str(response.content.decode())
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", body)
    return body.replace(f'value="{username}"', 'value=""')


def signed_in(client: Client) -> bool:
    return bool(client.get("/en/staff/amane/").status_code == 200)


# --- One answer ------------------------------------------------------------------------------


def test_login_same_answer_for_locked_unknown_and_wrong(world: World) -> None:
    retired = world.add_member("retired", world.amane, "caseworker")
    User.objects.filter(pk=retired.user.pk).update(is_active=False)
    stranger = at(STRANGER)
    lock_out(stranger)
    attempts = {
        # name: (client, username, password)
        "wrong": (at("192.0.2.1"), "bob", WRONG),
        "unknown": (at("192.0.2.2"), "nobody", WRONG),
        "locked, right password": (stranger, "bob", world.bob.password),
        "inactive, right password": (at("192.0.2.3"), "retired", retired.password),
    }
    shapes: dict[str, str] = {}
    queries: dict[str, int] = {}
    hashes: dict[str, int] = {}
    cookies: dict[str, list[str]] = {}
    original_verify = FastArgon2PasswordHasher.verify
    for name, (client, username, password) in attempts.items():
        with (
            mock.patch.object(
                FastArgon2PasswordHasher, "verify", autospec=True, side_effect=original_verify
            ) as verify,
            CaptureQueriesContext(connection) as captured,
        ):
            response = post_password(client, username, password)
        assert response.status_code == 400, name
        assert b"Wrong username or password." in response.content, name
        assert b"locked" not in response.content.lower(), name
        assert "pending_user_id" not in response.wsgi_request.session, name
        cookies[name] = sorted(response.cookies)
        shapes[name] = page_shape(response, username)
        queries[name] = len(captured)
        hashes[name] = verify.call_count
    assert len(set(shapes.values())) == 1, "the pages differ"
    assert len({tuple(names) for names in cookies.values()}) == 1, cookies
    # Roughly the same work: one password hash each (a dummy one for an unknown name) and
    # the same number of queries.
    assert set(hashes.values()) == {1}, hashes
    assert len(set(queries.values())) == 1, queries


def test_login_same_answer_for_locked_unknown_and_wrong_at_the_failure_that_locks(
    world: World,
) -> None:
    """The failure that sets a lock costs the same for a member's name and for no one's."""
    shapes, queries = set(), set()
    for address, username in (("192.0.2.10", "bob"), ("192.0.2.11", "nobody")):
        client = at(address)
        for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK - 1):
            post_password(client, username, WRONG)
        with CaptureQueriesContext(connection) as captured:
            response = post_password(client, username, WRONG)
        shapes.add(page_shape(response, username))
        queries.add(len(captured))
    assert len(shapes) == 1 and len(queries) == 1, queries
    locks = AuditEvent.objects.filter(action="login.locked", details__scope="client")
    assert sorted(locks.values_list("actor_id", flat=True), key=str) == sorted(
        [world.bob.user.pk, None], key=str
    )


def test_recovery_login_same_answer_for_locked_unknown_and_wrong(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    stranger = at(STRANGER)
    lock_out(stranger)
    attempts = {
        "wrong password": (at("192.0.2.1"), "bob", WRONG, codes[0]),
        "wrong code": (at("192.0.2.2"), "bob", world.bob.password, "aaaaaaaa"),
        "unknown": (at("192.0.2.3"), "nobody", WRONG, codes[0]),
        "locked, wrong code": (stranger, "bob", world.bob.password, "bbbbbbbb"),
    }
    shapes = set()
    for name, (client, username, password, code) in attempts.items():
        response = post_recovery(client, username, password, code)
        assert response.status_code == 400, name
        assert b"Wrong username, password or recovery code." in response.content, name
        shapes.add(page_shape(response, username).replace(f'value="{code}"', ""))
    assert len(shapes) == 1


def test_wrong_password_never_spends_or_slows_the_recovery_codes(world: World) -> None:
    """django-otp slows a device down after each miss; only the right password gets there."""
    codes = actions.regenerate_recovery_codes(world.bob.user)
    for n in range(3):
        assert post_recovery(at(STRANGER), "bob", f"{WRONG}{n}", codes[0]).status_code == 400
    assert StaticDevice.objects.get(user=world.bob.user).throttling_failure_count == 0
    assert post_recovery(at(MEMBER), "bob", world.bob.password, codes[0]).status_code == 302


# --- Locks per account and client ------------------------------------------------------------


def test_stranger_cannot_lock_member_out_from_another_client(world: World) -> None:
    stranger = at(STRANGER)
    lock_out(stranger)
    for _ in range(3):  # more failures do not spread the lock
        post_password(stranger, "bob", WRONG)
    assert (
        "pending_user_id"
        not in post_password(stranger, "bob", world.bob.password).wsgi_request.session
    )
    member = at(MEMBER)
    sign_in(member, world.bob)
    assert signed_in(member)
    # The stranger's client is throttled across usernames, and only it.
    for n in range(settings.LOGIN_CLIENT_FAILURES):
        post_password(stranger, f"guess{n}", WRONG)
    assert post_password(stranger, "alice", world.alice.password).status_code == 429
    assert post_password(at(MEMBER), "alice", world.alice.password).status_code == 302


def test_signing_in_clears_the_count_of_that_client(world: World) -> None:
    member = at(MEMBER)
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK - 1):
        post_password(member, "bob", WRONG)
    sign_in(member, world.bob)  # the right password before the limit: the count starts again
    again = at(MEMBER)
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK - 1):
        post_password(again, "bob", WRONG)
    assert post_password(again, "bob", world.bob.password).status_code == 302


def test_lock_lasts_its_full_time_from_the_failure_that_set_it() -> None:
    limit = RateLimit("test-hold", 3, 60, hold=900)
    with mock.patch("digiamen.core.clients.cache.touch") as touch:
        for _ in range(5):
            limit.hit("subject")
    touch.assert_called_once()
    assert touch.call_args.args[1] == 900
    assert limit.exceeded("subject")


def test_wrong_codes_lock_the_client_but_a_recovery_code_still_opens(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    member = at(MEMBER)
    assert post_password(member, "bob", world.bob.password)["Location"] == VERIFY
    good = world.bob.totp()
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(settings.LOGIN_FAILURES_BEFORE_LOCK):
        member.post(VERIFY, {"code": bad})
    refused = member.post(VERIFY, {"code": world.bob.totp()})  # django-otp's own wait reset
    assert refused.status_code == 200 and b"This code is not right" in refused.content
    # Wrong authenticator codes did not slow the recovery codes down.
    assert StaticDevice.objects.get(user=world.bob.user).throttling_failure_count == 0
    assert member.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert signed_in(member)


# --- The member is told ----------------------------------------------------------------------


def test_locked_member_told_after_sign_in(world: World) -> None:
    stranger = at(STRANGER)
    lock_out(stranger)
    post_password(stranger, "bob", world.bob.password)  # refused: a sixth failure
    bob = User.objects.get(pk=world.bob.user.pk)
    assert bob.failed_login_count == settings.LOGIN_FAILURES_BEFORE_LOCK + 1
    assert bob.sign_in_locked_at is not None
    assert (
        AuditEvent.objects.filter(
            action="login.locked", actor_id=bob.pk, details__scope="client"
        ).count()
        == 1
    )
    member = at(MEMBER)
    post_password(member, "bob", world.bob.password)
    response = member.post(VERIFY, {"code": world.bob.totp()}, follow=True)
    told = response.content.decode()
    assert "6 failed sign-in attempts on your account since your previous sign-in." in told
    assert "was locked for a while for the connection the failures came from" in told
    # On the account page too, with the time of the lock.
    notice = SignInNotice.objects.get(user=bob)
    assert notice.failed_attempts == 6 and notice.client_locked_at == bob.sign_in_locked_at
    assert notice.seen_at is not None
    account = member.get("/en/staff/account/").content.decode()
    assert "6 failed sign-in attempts" in account
    when = timezone.localtime(notice.client_locked_at).strftime("%H:%M")
    assert when in account
    assert AuditEvent.objects.filter(
        action="login.notice_recorded", actor_id=bob.pk, details__failed_attempts=6
    ).exists()
    # Told once: the counters start again, the next sign-in says nothing.
    bob.refresh_from_db()
    assert (bob.failed_login_count, bob.sign_in_locked_at) == (0, None)
    later = at(MEMBER)
    post_password(later, "bob", world.bob.password)
    quiet = later.post(VERIFY, {"code": world.bob.totp()}, follow=True)
    assert b"since your previous sign-in" not in quiet.content
    # Nothing in the notice or the audit log holds a client's address or pseudonym.
    stored = " ".join(str(row) for row in AuditEvent.objects.values("details"))
    assert STRANGER not in stored and MEMBER not in stored


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "2 tentatives de connexion échouées"),
        ("ar", "محاولتان فاشلتان"),
    ],
)
def test_locked_member_told_in_their_language(world: World, language: str, expected: str) -> None:
    for _ in range(2):
        post_password(at(STRANGER), "bob", WRONG)
    member = at(MEMBER)
    member.post(f"/{language}/staff/login/", {"username": "bob", "password": world.bob.password})
    response = member.post(
        f"/{language}/staff/login/verify/", {"code": world.bob.totp()}, follow=True
    )
    assert expected in response.content.decode()


def test_sign_in_notices_are_the_members_own(world: World) -> None:
    post_password(at(STRANGER), "bob", WRONG)
    sign_in(at(MEMBER), world.bob)
    other = at(MEMBER)
    sign_in(other, world.charlie)
    assert b"since your previous sign-in" not in other.get("/en/staff/account/").content
    anonymous = Client().get("/en/staff/account/")
    assert anonymous.status_code == 302


# --- Recovery while locked -------------------------------------------------------------------


def test_recovery_code_works_while_locked(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    stranger = at(STRANGER)
    lock_out(stranger)
    # Even the client that is locked out (the member may share its address) gets in.
    assert post_password(stranger, "bob", world.bob.password).status_code == 400
    response = stranger.post(
        RECOVERY + "?next=/en/staff/account/",
        {"username": "BOB", "password": world.bob.password, "code": codes[0].upper()},
    )
    assert response.status_code == 302 and response["Location"] == "/en/staff/account/"
    assert signed_in(stranger)
    assert AuditEvent.objects.filter(
        action="two_factor.recovery_code_used", actor_id=world.bob.user.pk
    ).exists()
    # Once only.
    assert post_recovery(at(MEMBER), "bob", world.bob.password, codes[0]).status_code == 400


def test_recovery_login_is_throttled_per_client(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    stranger = at(STRANGER)
    for n in range(settings.LOGIN_CLIENT_FAILURES):
        post_recovery(stranger, "bob", f"{WRONG} {n}", "aaaaaaaa")
    response = post_recovery(stranger, "bob", world.bob.password, codes[0])
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert post_recovery(at(MEMBER), "bob", world.bob.password, codes[0]).status_code == 302


@override_settings(LOGIN_ACCOUNT_FAILURES=8)
def test_many_clients_slow_the_member_down_but_never_lock_them_out(world: World) -> None:
    codes = actions.regenerate_recovery_codes(world.bob.user)
    for n in range(settings.LOGIN_ACCOUNT_FAILURES):
        post_password(at(f"198.51.100.{n + 10}"), "bob", WRONG)
    assert AuditEvent.objects.filter(
        action="login.locked", actor_id=world.bob.user.pk, details__scope="account"
    ).exists()
    # Password and authenticator code no longer open from any client, even a new one...
    fresh = at(MEMBER)
    refused = post_password(fresh, "bob", world.bob.password)
    assert refused.status_code == 400 and b"Wrong username or password." in refused.content
    # ... a recovery code still does; and other accounts are not affected.
    assert post_recovery(fresh, "bob", world.bob.password, codes[0]).status_code == 302
    assert signed_in(fresh)
    assert post_password(at("192.0.2.50"), "alice", world.alice.password).status_code == 302
    notice = SignInNotice.objects.get(user=world.bob.user)
    assert notice.account_paused_at is not None
    assert "a recovery code still worked" in notice.text()


# --- The page itself -------------------------------------------------------------------------


def test_recovery_login_page_for_anonymous_and_signed_in(world: World) -> None:
    page = Client().get(RECOVERY)
    assert page.status_code == 200
    assert b'name="code"' in page.content and b'autocomplete="current-password"' in page.content
    assert RECOVERY.encode() in Client().get(LOGIN).content  # linked from the sign-in page
    member = at(MEMBER)
    sign_in(member, world.charlie)  # another organisation's member: nothing to do here
    assert member.get(RECOVERY)["Location"] == "/en/staff/"


@pytest.mark.parametrize("code", ["", "not a code!", "x" * 40, "\u202e" * 10])
def test_recovery_login_refuses_malformed_codes_with_a_clear_error(world: World, code: str) -> None:
    response = post_recovery(at(MEMBER), "bob", world.bob.password, code)
    assert response.status_code == 400
    assert "pending_user_id" not in response.wsgi_request.session
    assert not signed_in(at(MEMBER))
