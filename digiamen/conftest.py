"""A small world for every test: two organisations in two countries.

* alice: org admin of Amane (Morocco); bob: caseworker of Amane;
* charlie: caseworker of the Jordan helpline (the other organisation).
Each has a password, a key pair and a confirmed authenticator.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from nacl.public import PrivateKey

from digiamen.accounts import actions
from digiamen.accounts.models import Organisation, Role, User
from digiamen.core import encryption
from digiamen.tests.support import CHROMIUM

PASSWORD = "correct horse battery staple 42"
# Where the key tests' values "live": a place of its own, so that a test about keys is not
# also a test about binding (``core/tests/test_binding.py`` is that).
TEST_PLACE = encryption.Place("tests.value", "value", 1, "tests.owner#1")


@dataclass
class Member:
    user: User
    password: str
    private_key: PrivateKey
    device: TOTPDevice

    def totp(self) -> str:
        # TOTP refuses a code at or before the last accepted step: let tests sign in again.
        TOTPDevice.objects.filter(pk=self.device.pk).update(last_t=-1, throttling_failure_count=0)
        self.device.refresh_from_db()
        d = self.device
        return f"{TOTP(d.bin_key, d.step, d.t0, d.digits, d.drift).token():06d}"


@dataclass
class World:
    amane: Organisation
    jordan: Organisation
    amane_key: PrivateKey
    jordan_key: PrivateKey
    amane_recovery_key: str
    alice: Member
    bob: Member
    charlie: Member
    members: dict[str, Member] = field(default_factory=dict)

    def add_member(self, name: str, organisation: Organisation, role: str) -> Member:
        """A member added by someone holding the casework key (the first caseworker of the
        organisation), so that a caseworker or supervisor opens cases at once."""
        key = self.amane_key if organisation == self.amane else self.jordan_key
        holder = self.bob if organisation == self.amane else self.charlie
        keyring = encryption.KeyRing(user=holder.user, private_key=holder.private_key)
        member = make_member(name, organisation, key, role, keyring=keyring)
        self.members[name] = member
        return member


def make_member(
    name: str,
    organisation: Organisation,
    org_key: PrivateKey,
    role: str,
    *,
    keyring: encryption.KeyRing | None = None,
) -> Member:
    user, private_key = actions.create_user(name, PASSWORD)
    actions.add_member(organisation, org_key, user, role, keyring=keyring)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return Member(user, PASSWORD, private_key, device)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()
    # Each test's database starts afresh: so do the process's matching index and the
    # process caches of rows (receipt salt, routing, helplines).
    from digiamen.core.clients import forget_daily_key_copy
    from digiamen.core.process_cache import clear_all
    from digiamen.media.matching import reset_process_index

    reset_process_index()
    clear_all()
    forget_daily_key_copy()
    # A request leaves its language active in the thread (LocaleMiddleware does not reset
    # it): each test starts from none, as a new request would.
    translation.deactivate()


@pytest.fixture
def world(db: Any) -> World:
    amane = actions.create_organisation(
        slug="amane", name="Amane", country="MA", languages=["ar", "fr"]
    )
    jordan = actions.create_organisation(slug="jordan", name="Jordan helpline", country="JO")
    world = World(
        amane=amane.organisation,
        jordan=jordan.organisation,
        amane_key=amane.private_key,
        jordan_key=jordan.private_key,
        amane_recovery_key=amane.recovery_key,
        alice=make_member("alice", amane.organisation, amane.private_key, Role.ORG_ADMIN),
        bob=make_member("bob", amane.organisation, amane.private_key, Role.CASEWORKER),
        charlie=make_member("charlie", jordan.organisation, jordan.private_key, Role.CASEWORKER),
    )
    return world


def sign_in(client: Client, member: Member, language: str = "en") -> None:
    """The real two-step sign-in, as a browser does it."""
    response = client.post(
        f"/{language}/staff/login/", {"username": member.user.username, "password": member.password}
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].endswith("/staff/login/verify/")
    response = client.post(response["Location"], {"code": member.totp()})
    assert response.status_code == 302, response.content[:500]


def browser_sign_in(
    browser_instance: Any,
    base: str,
    member: Member,
    language: str = "ar",
    *,
    javascript: bool = False,
    viewport: dict[str, int] | None = None,
) -> Any:
    """A new page of a browser (without JavaScript unless asked), signed in through the
    two steps."""
    options: dict[str, Any] = {"java_script_enabled": javascript}
    if viewport:
        options["viewport"] = viewport
    page = browser_instance.new_context(**options).new_page()
    page.goto(f"{base}/{language}/staff/login/")
    page.fill("input[name=username]", member.user.username)
    page.fill("input[name=password]", member.password)
    click_to_next_page(page, "main button[type=submit]")
    page.fill("input[name=code]", member.totp())
    click_to_next_page(page, "main button[type=submit]")
    return page


def click_to_next_page(page: Any, selector: str) -> None:
    """Clicks a link or a form's button and waits until the page it leads to has loaded.
    A plain click returns once that page has begun to arrive, and what follows (a count,
    which does not wait; a page's text) would read half a document."""
    with page.expect_navigation():
        page.click(selector)


@pytest.fixture
def signed_in() -> Any:
    def _signed_in(member: Member, language: str = "en") -> Client:
        client = Client()
        sign_in(client, member, language)
        return client

    return _signed_in


def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are ordinary blocking calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()
        # While that loop runs, asgiref keeps this thread's database connections apart from
        # its ordinary ones: close them now, while they can still be reached, or PostgreSQL
        # keeps their session until the end and the test database cannot be dropped.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
