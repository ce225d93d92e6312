"""Every staff page and API endpoint, as each role, another organisation and anonymously."""

from __future__ import annotations

import json

from django.test import Client

from digiamen.accounts.models import Role
from digiamen.cases.tests.helpers import new_case
from digiamen.conftest import World, sign_in

ALL = set(Role.values)
ADMIN = {Role.ORG_ADMIN}
CASEWORK = {Role.CASEWORKER, Role.SUPERVISOR}


def test_every_staff_url_and_endpoint(world: World) -> None:
    case = new_case()
    members = {role: world.add_member(f"m-{role}", world.amane, role) for role in Role.values}
    pages = {
        "/en/staff/amane/": ALL,
        "/en/staff/amane/members/": ADMIN,
        "/en/staff/amane/audit/": ADMIN,
        "/en/staff/amane/recovery-key/": ADMIN,
        "/en/staff/amane/settings/": ADMIN,
        "/en/staff/amane/front-door/": ADMIN,
        "/en/staff/amane/protocols/": ADMIN,
        "/en/staff/amane/case-settings/": ADMIN,
        "/en/staff/amane/reports/new/": CASEWORK,
        "/en/staff/amane/cases/": CASEWORK,
        f"/en/staff/amane/cases/{case.number}/": CASEWORK,
        "/en/staff/amane/cases/dashboard/": {Role.SUPERVISOR},
        "/en/staff/amane/transfers/": {Role.SUPERVISOR},
    }
    endpoints = {
        "/api/v1/auth/me": ALL,
        "/api/v1/cases?queue=all": CASEWORK,
        f"/api/v1/cases/{case.number}": CASEWORK,
    }
    clients = {}
    tokens = {}
    for role, member in members.items():
        clients[role] = Client()
        sign_in(clients[role], member)
        login = Client().post(
            "/api/v1/auth/login",
            json.dumps(
                {
                    "username": member.user.username,
                    "password": member.password,
                    "otp": member.totp(),
                    "organisation": "amane",
                }
            ),
            content_type="application/json",
        )
        tokens[role] = {"HTTP_AUTHORIZATION": f"Bearer {login.json()['token']}"}
    outsider = Client()
    sign_in(outsider, world.charlie)

    checked = 0
    for url, allowed in pages.items():
        for role, client in clients.items():
            status = client.get(url).status_code
            assert status == (200 if role in allowed else 404), (url, role, status)
            checked += 1
        assert outsider.get(url).status_code == 404, url
        response = Client().get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"], url
    for url, allowed in endpoints.items():
        for role, auth in tokens.items():
            status = Client().get(url, **auth).status_code
            assert status == (200 if role in allowed else 404), (url, role, status)
            checked += 1
        assert Client().get(url).status_code == 401, url
    assert checked == (len(pages) + len(endpoints)) * len(Role.values)
