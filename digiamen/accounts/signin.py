"""Checking a sign-in so that a refusal never tells why.

Unknown username, wrong password, inactive account, locked account: the caller gets the same
answer after the same work (one password hash — against a dummy hash when the name is no
account —, the same cache counters, the same queries). Locks are told to the member after
they sign in (``SignInNotice``) and are in the audit log, never to the caller.

Three counters, in the cache only, keyed by the client pseudonym of ``core/clients.py``
(a keyed hash of the address under a daily key; no address is kept):

* per client, across usernames: ``LOGIN_CLIENT_FAILURES`` in ``LOGIN_CLIENT_WINDOW_SECONDS``
  and the client waits (429) — the answer says nothing about any account;
* per account *and* client: ``LOGIN_FAILURES_BEFORE_LOCK`` and that client's password is no
  longer tried on that account for ``LOGIN_LOCK_MINUTES``; another client is not affected, so
  a stranger cannot lock a member out;
* per account, all clients together: ``LOGIN_ACCOUNT_FAILURES`` in
  ``LOGIN_ACCOUNT_WINDOW_MINUTES`` and, for that long, password and authenticator code are not
  enough from any client — a recovery code with the password still is (a distributed attack
  slows the member down, never locks them out).

While a lock holds, only a recovery code opens: it is one-time and long enough that
guessing it with the password, throttled per client and by django-otp, is hopeless.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts import actions
from digiamen.accounts.models import User
from digiamen.core.clients import RateLimit, client_pseudonym, login_failures

TOTP_DIGITS = 6  # django-otp's default, which every authenticator here is enrolled with


def _pair_failures() -> RateLimit:
    minutes = settings.LOGIN_LOCK_MINUTES * 60
    return RateLimit("login-pair", settings.LOGIN_FAILURES_BEFORE_LOCK, minutes, hold=minutes)


def _account_failures() -> RateLimit:
    minutes = settings.LOGIN_ACCOUNT_WINDOW_MINUTES * 60
    return RateLimit("login-account", settings.LOGIN_ACCOUNT_FAILURES, minutes, hold=minutes)


def client_throttled(request: HttpRequest) -> bool:
    """This client failed too often, whatever the usernames: it must wait (429)."""
    return login_failures().exceeded(client_pseudonym(request))


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the account it names and what may still open it."""

    named: User | None  # the account the username names (even inactive), or None
    password_ok: bool  # the password is the account's and the account is active
    client: str
    account: str  # the account's subject for the counters
    locked_here: bool  # too many failures on this account from this client
    paused: bool  # too many failures on this account from everywhere

    @property
    def blocked(self) -> bool:
        return self.locked_here or self.paused

    @property
    def passes_password_step(self) -> bool:
        """Password alone leads on to the authenticator code only when nothing blocks it."""
        return self.password_ok and not self.blocked

    @property
    def user(self) -> User:
        if self.named is None or not self.password_ok:
            raise PermissionError("the password was not right")
        return self.named


@functools.cache
def _dummy_hash() -> str:
    # Made once per process with the current hasher and cost, like the members' hashes.
    return make_password(secrets.token_urlsafe(24))


def _account_subject(username: str, user: User | None) -> str:
    # Known accounts by id; other names by a hash, so the cache never holds a typed name and
    # an unknown name costs the same counters as a real one.
    if user is not None:
        return f"id{user.pk}"
    return "name" + hashlib.sha256(username.casefold().encode()).hexdigest()[:32]


def _pair_subject(account: str, client: str) -> str:
    return hashlib.sha256(f"{account}|{client}".encode()).hexdigest()[:32]


def _attempt(request: HttpRequest, named: User | None, username: str, ok: bool) -> Attempt:
    client = client_pseudonym(request)
    account = _account_subject(username, named)
    return Attempt(
        named=named,
        password_ok=ok,
        client=client,
        account=account,
        locked_here=_pair_failures().exceeded(_pair_subject(account, client)),
        paused=_account_failures().exceeded(account),
    )


def check_password_of(request: HttpRequest, username: str, password: str) -> Attempt:
    """Check a username and password, always at the cost of one password hash."""
    named = User.objects.filter(username__iexact=username).first()
    if named is None:
        check_password(password, _dummy_hash())
        ok = False
    else:
        ok = named.check_password(password) and named.is_active
    return _attempt(request, named, username, ok)


def for_pending_member(request: HttpRequest, user: User) -> Attempt:
    """The attempt of a member who gave the right password earlier in this session."""
    return _attempt(request, user, user.username, True)


def _devices_of_no_one(code: str) -> None:
    # The lookups a real check makes, for no account: a refusal costs what a check costs.
    TOTPDevice.objects.filter(user_id=0, confirmed=True).exists()
    StaticDevice.objects.filter(user_id=0, confirmed=True).exists()
    StaticToken.objects.filter(device__user_id=0, token=code[:16]).exists()


def match_recovery_code(attempt: Attempt, code: str) -> Device | None:
    """A recovery code of the account, used up; only tried after the right password.

    django-otp slows a device down after each miss and a code is spent once: a stranger
    without the password must not be able to do either to the member's codes.
    """
    if not attempt.password_ok:
        _devices_of_no_one(code)
        return None
    for device in StaticDevice.objects.filter(user=attempt.user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def match_second_factor(attempt: Attempt, code: str) -> Device | None:
    """The authenticator code or a recovery code; while a lock holds, only a recovery code.

    A code goes to the one kind of device it can belong to (6 digits: the authenticator;
    recovery codes are 8 letters and digits), so wrong authenticator codes do not make
    django-otp slow down the recovery codes the member may need next.
    """
    authenticator_code = len(code) == TOTP_DIGITS and code.isdigit()
    if not attempt.password_ok or (authenticator_code and attempt.blocked):
        _devices_of_no_one(code)
        return None
    if not authenticator_code:
        return match_recovery_code(attempt, code)
    for device in TOTPDevice.objects.filter(user=attempt.user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def fail(attempt: Attempt, *, stage: str) -> None:
    """Count a failed attempt everywhere it counts; the answer stays the same."""
    login_failures().hit(attempt.client)
    pair = _pair_failures()
    locked_now = pair.hit(_pair_subject(attempt.account, attempt.client)) == pair.limit
    account = _account_failures()
    paused_now = account.hit(attempt.account) == account.limit
    actions.record_login_failure(
        attempt.named,
        stage="blocked" if attempt.blocked else stage,
        client_locked=locked_now,
        account_paused=paused_now,
    )


def succeeded(attempt: Attempt) -> None:
    """The member is in from this client: its failures on the account start again from zero.

    The count over all clients is kept: a member signing in during an attack must not give
    the attackers a fresh allowance.
    """
    _pair_failures().reset(_pair_subject(attempt.account, attempt.client))
