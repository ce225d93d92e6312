from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from digiamen.accounts.models import Membership, Organisation, Role
from digiamen.cases.models import CaseEvent
from digiamen.core.models import WritingSignature


@pytest.mark.django_db
def test_demo_data_has_two_countries_and_every_role(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
        call_command("load_demo")  # a second run changes nothing
        data = json.loads((tmp_path / "demo-credentials.json").read_text())
    assert Organisation.objects.count() == 2
    assert {o.country for o in Organisation.objects.all()} == {"MA", "JO"}
    for organisation in Organisation.objects.all():
        roles = set(
            Membership.objects.filter(organisation=organisation).values_list("role", flat=True)
        )
        assert roles == set(Role.values)
    assert len(data["users"]) == 2 * len(Role.values)
    assert set(data["users"][0]) == {
        "username",
        "password",
        "totp_secret",
        "role",
        "organisation",
        "country",
    }
    assert {k["role"] for k in data["api_keys"]} == {"report_intake", "platform_liaison"}
    # The credentials really sign in, with the authenticator secret given.
    user = next(u for u in data["users"] if u["role"] == "caseworker")
    client = Client()
    client.post("/en/staff/login/", {"username": user["username"], "password": user["password"]})
    import base64

    device = TOTPDevice.objects.get(user__username=user["username"])
    assert base64.b32decode(user["totp_secret"]) == device.bin_key
    code = f"{TOTP(device.bin_key).token():06d}"
    assert client.post("/en/staff/login/verify/", {"code": code}).status_code == 302
    assert client.get(f"/en/staff/{user['organisation']}/").status_code == 200
    key = data["api_keys"][0]["key"]
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    # What the demo members wrote is signed by them, as on the pages: nothing looks forged.
    written = CaseEvent.objects.exclude(actor=None).values_list("pk", flat=True)
    signed = set(
        WritingSignature.objects.filter(table="cases.caseevent").values_list("row", flat=True)
    )
    assert written and set(written) <= signed


@pytest.mark.django_db
def test_demo_data_is_refused_in_production(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with override_settings(PRODUCTION=True, VAR_DIR=tmp_path), pytest.raises(CommandError):
        call_command("load_demo")


@pytest.mark.django_db
def test_prepare_demo_migrates_loads_once_and_prints_the_logins(tmp_path: Path) -> None:
    from io import StringIO

    with override_settings(VAR_DIR=tmp_path, STATIC_ROOT=tmp_path / "static"):
        first, second = StringIO(), StringIO()
        call_command("prepare_demo", port="8123", stdout=first)
        call_command("prepare_demo", port="8123", stdout=second)
    assert "Demo data loaded" in first.getvalue()
    assert "Demo data loaded" not in second.getvalue()  # the second start loads nothing
    assert "http://127.0.0.1:8123/" in second.getvalue() and "ma-caseworker" in second.getvalue()
    assert Organisation.objects.count() == 2
    assert (tmp_path / "static").is_dir()
