from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.conftest import World
from digiamen.core import encryption

NEW = "an entirely new passphrase 2026"


def test_password_change_rewraps_the_key_and_keeps_the_session(
    signed_in: Any, world: World
) -> None:
    client = signed_in(world.bob)
    response = client.post(
        "/en/staff/account/",
        {
            "current_password": world.bob.password,
            "new_password1": NEW,
            "new_password2": NEW,
        },
    )
    assert response.status_code == 302
    # The session was re-keyed and still unlocks the private key.
    assert client.get("/en/staff/amane/").status_code == 200
    key = encryption.unlock_user_key(world.bob.user, NEW)
    assert bytes(key) == bytes(world.bob.private_key)
    fresh = Client()
    login = fresh.post("/en/staff/login/", {"username": "bob", "password": NEW})
    assert login.status_code == 302


def test_password_change_refuses_wrong_current_and_weak_new(signed_in: Any, world: World) -> None:
    client = signed_in(world.bob)
    wrong = client.post(
        "/en/staff/account/",
        {"current_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 400 and b"not right" in wrong.content
    weak = client.post(
        "/en/staff/account/",
        {
            "current_password": world.bob.password,
            "new_password1": "12345678901234",
            "new_password2": "12345678901234",
        },
    )
    assert weak.status_code == 400
    assert encryption.unlock_user_key(world.bob.user, world.bob.password)


def test_account_pages_need_sign_in(world: World) -> None:
    for url in ["/en/staff/account/", "/en/staff/account/recovery-codes/", "/en/staff/"]:
        response = Client().get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_new_recovery_codes(signed_in: Any, world: World) -> None:
    client = signed_in(world.bob)
    assert client.get("/en/staff/account/recovery-codes/").status_code == 200
    response = client.post("/en/staff/account/recovery-codes/")
    assert response.status_code == 200
    assert response.content.count(b"<li>") >= 10
