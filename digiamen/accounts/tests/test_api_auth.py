from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from digiamen.accounts import actions
from digiamen.accounts.models import ApiToken
from digiamen.conftest import TEST_PLACE, World


def login(client: Client, world: World, **overrides: Any) -> Any:
    body = {"username": "bob", "password": world.bob.password, "otp": world.bob.totp()}
    body.update(overrides)
    return client.post("/api/v1/auth/login", json.dumps(body), content_type="application/json")


def test_login_returns_a_short_lived_token_that_works_until_logout(world: World) -> None:
    client = Client()
    response = login(client, world)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["organisation"] == "amane" and data["role"] == "caseworker"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {data['token']}"}
    me = client.get("/api/v1/auth/me", **auth)
    assert me.status_code == 200 and me.json()["username"] == "bob"
    # The secret half of the token is not in the database.
    secret = data["token"].split(".", 1)[1]
    assert not ApiToken.objects.filter(secret_hash=secret).exists()
    assert client.post("/api/v1/auth/logout", **auth).status_code == 204
    assert client.get("/api/v1/auth/me", **auth).status_code == 401


def test_a_pasted_code_with_spaces_and_a_line_end_is_accepted(world: World) -> None:
    code = world.bob.totp()
    response = login(Client(), world, otp=f" {code[:3]} {code[3:]}\n")
    assert response.status_code == 200, response.content


def test_token_carries_the_unlocked_key(world: World) -> None:
    from django.test import RequestFactory

    from digiamen.accounts.api import bearer
    from digiamen.core import encryption

    token = login(Client(), world).json()["token"]
    sealed = encryption.seal_for_organisation(world.amane, "api secret", place=TEST_PLACE)
    request = RequestFactory().get("/")
    principal = bearer.authenticate(request, token)
    assert principal is not None
    assert (
        encryption.open_for_member(request, world.amane, sealed, place=TEST_PLACE) == b"api secret"
    )


def test_wrong_credentials_get_401_in_the_language_asked(world: World) -> None:
    response = login(Client(), world, password="wrong password here")
    assert response.status_code == 401
    assert "detail" in response.json()
    response = login(Client(HTTP_ACCEPT_LANGUAGE="fr"), world, otp="000000")
    assert response.status_code == 401


def test_expired_or_forged_tokens_are_refused(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    token = login(Client(), world).json()["token"]
    key_id, secret = token.split(".", 1)
    for forged in [f"{key_id}.{secret[:-2]}xx", "nonsense", f"{key_id}.", "dak_x.y", "a" * 5000]:
        response = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert response.status_code == 401, forged
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_token_of_a_removed_member_stops_working(world: World) -> None:
    from digiamen.core.encryption import KeyRing

    token = login(Client(), world).json()["token"]
    actions.deactivate_member(
        world.bob.user.memberships.get(),
        actor=world.alice.user,
        actor_keyring=KeyRing(user=world.alice.user, private_key=world.alice.private_key),
    )
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_member_of_several_organisations_must_name_one(world: World) -> None:
    actions.add_member(world.jordan, world.jordan_key, world.bob.user, "supervisor")
    assert login(Client(), world).status_code == 400
    response = login(Client(), world, organisation="jordan")
    assert response.status_code == 200 and response.json()["role"] == "supervisor"


def test_api_key_identifies_its_organisation_and_scope(world: World) -> None:
    key = actions.issue_api_key(world.amane, "report_intake", label="app", actor=None)
    response = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.json() == {
        "organisation": "amane",
        "username": None,
        "role": "",
        "scope": "report_intake",
    }
    assert (
        Client().post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403
    )


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\xfd",
        b'"just a string"',
        b"[1, 2, 3]",
        json.dumps({"username": 5, "password": [], "otp": None}).encode(),
        json.dumps({"username": "bob", "password": "x" * 1_000_000, "otp": "1"}).encode(),
        json.dumps({"username": "bob"}).encode(),
    ],
)
def test_malformed_login_bodies_get_a_clear_4xx(world: World, body: bytes) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").post(
        "/api/v1/auth/login", body, content_type="application/json"
    )
    assert 400 <= response.status_code < 500, response.content
    assert "detail" in response.json()
    assert not ApiToken.objects.exists()


def test_openapi_document_is_served(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/login" in paths and "/api/v1/auth/logout" in paths


def test_api_login_is_throttled_per_client(world: World) -> None:
    from django.conf import settings

    client = Client()
    for _ in range(settings.LOGIN_CLIENT_FAILURES):
        login(client, world, password="wrong wrong wrong")
    assert login(client, world).status_code == 429
