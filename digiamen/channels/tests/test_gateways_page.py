"""Org admins add RapidPro gateways (with or without RapidPro's API) on the channels page;
another organisation's admin, a caseworker and an anonymous visitor cannot."""

from __future__ import annotations

from typing import Any

from django.test import Client

from digiamen.channels import actions
from digiamen.channels.models import Gateway
from digiamen.conftest import World, csrf_token_of


def _add(client: Client, url: str, **fields: str) -> Any:
    token = csrf_token_of(client.get(url).content.decode())
    data = {"csrfmiddlewaretoken": token, "operation": "add_gateway", "name": "TextIt"}
    data.update({"kind": "sms", "provider": "rapidpro", **fields})
    return client.post(url, data)


def test_an_admin_adds_a_rapidpro_gateway_with_its_api(world: World, signed_in: Any) -> None:
    url = f"/en/staff/{world.amane.slug}/channels/"
    admin = signed_in(world.alice)
    response = _add(
        admin, url, rapidpro_url="https://textit.example.org", rapidpro_token="tok-abc-123"
    )
    assert response.status_code == 200
    gateway = Gateway.objects.get()
    assert gateway.provider == "rapidpro" and gateway.rapidpro_url == "https://textit.example.org"
    assert b"tok-abc-123" not in bytes(gateway.rapidpro_token)
    assert actions.rapidpro_token(gateway) == "tok-abc-123"
    page = admin.get(url).content.decode()
    assert f"/channels/{gateway.public_id}/rapidpro" in page
    assert f"/channels/{gateway.public_id}/sms" not in page
    assert "tok-abc-123" not in page


def test_an_admin_adds_a_rapidpro_gateway_without_its_api(world: World, signed_in: Any) -> None:
    admin = signed_in(world.alice)
    response = _add(admin, f"/en/staff/{world.amane.slug}/channels/")
    assert response.status_code == 200
    gateway = Gateway.objects.get()
    assert gateway.provider == "rapidpro" and not gateway.rapidpro_url
    assert bytes(gateway.rapidpro_token) == b""


def test_incomplete_or_unsafe_rapidpro_settings_are_refused_in_the_pages_language(
    world: World, signed_in: Any
) -> None:
    admin = signed_in(world.alice, "fr")
    url = f"/fr/staff/{world.amane.slug}/channels/"
    cases = [
        ({"rapidpro_url": "https://textit.example.org"}, "jeton"),
        ({"rapidpro_token": "tok"}, "jeton"),
        ({"rapidpro_url": "http://textit.example.org", "rapidpro_token": "tok"}, "https://"),
        (
            {"provider": "sms_gateway", "rapidpro_url": "https://t.example.org"},
            "RapidPro",
        ),
    ]
    for fields, expected in cases:
        response = _add(admin, url, **fields)
        assert response.status_code == 400, fields
        assert expected in response.content.decode(), fields
    assert not Gateway.objects.exists()


def test_other_organisations_caseworkers_and_visitors_add_no_gateway(
    world: World, signed_in: Any
) -> None:
    url = f"/en/staff/{world.amane.slug}/channels/"
    jade = signed_in(world.add_member("jade", world.jordan, "org_admin"))
    assert jade.get(url).status_code == 404
    assert jade.post(url, {"operation": "add_gateway", "name": "x"}).status_code in (403, 404)
    bob = signed_in(world.bob)
    assert bob.get(url).status_code == 403
    anonymous = Client().post(url, {"operation": "add_gateway", "name": "x"})
    assert anonymous.status_code in (302, 403)
    assert not Gateway.objects.exists()
