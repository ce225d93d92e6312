"""The demo evidence: a network coordinator sees cross-border figures of the two demo
organisations, and the transparency page shows median hours to removal per platform."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def _sign_in(username: str, credentials: dict[str, object], language: str) -> Client:
    users = credentials["users"]
    assert isinstance(users, list)
    password = next(user["password"] for user in users if user["username"] == username)
    # A code is accepted once per time step: let the test sign in again within one step.
    TOTPDevice.objects.filter(user__username=username).update(last_t=-1)
    device = TOTPDevice.objects.get(user__username=username)
    client = Client()
    response = client.post(
        f"/{language}/staff/login/", {"username": username, "password": password}
    )
    assert response.status_code == 302
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    assert client.post(response["Location"], {"code": code}).status_code == 302
    return client


NETWORK = "mena-network-demo"


@pytest.mark.django_db
def test_demo_network_and_transparency(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path, DEMO_HISTORY_PER_MONTH=20):
        call_command("load_demo")
    credentials = json.loads((tmp_path / "demo-credentials.json").read_text())
    assert credentials["networks"][0]["slug"] == "mena-network-demo"
    for language in ("ar", "en"):
        coordinator = _sign_in("ma-network-coordinator", credentials, language)
        page = coordinator.get(
            f"/{language}/staff/amane-demo/networks/mena-network-demo/?rows=month"
        )
        assert page.status_code == 200
        html = page.content.decode()
        header = re.search(r"<thead>(.*?)</thead>", html, re.S)
        assert header is not None
        assert ("Morocco" in header.group(1) and "Jordan" in header.group(1)) or (
            "المغرب" in header.group(1) and "الأردن" in header.group(1)
        )
        totals = re.findall(r'<tr class="totals">(.*?)</tr>', html, re.S)[0]
        numbers = [int(n) for n in re.findall(r"<td>(\d+)</td>", totals)]
        assert len(numbers) == 3 and all(n >= 5 for n in numbers)  # both countries shown
    officer = _sign_in("ma-data-officer", credentials, "en")
    page = officer.get("/en/staff/amane-demo/statistics/platforms/")
    assert page.status_code == 200
    medians = re.findall(r"<td>(\d+\.\d)</td>", page.content.decode())
    assert medians, "no median hours to removal"
    # The demo organisation's safeguarding: one closed assessment, a re-assessment open.
    admin = _sign_in("ma-org-admin", credentials, "ar")
    listing = admin.get("/ar/staff/amane-demo/safeguarding/")
    assert listing.status_code == 200
    html = listing.content.decode()
    found = sorted({int(n) for n in re.findall(r"/safeguarding/(\d+)/", html)})
    assert len(found) == 2
    overdue = admin.get(f"/ar/staff/amane-demo/safeguarding/{found[0]}/").content.decode()
    assert 'class="overdue"' in overdue
    # What children said: enough answers for the tables, and a closed case whose reporter
    # is offered the questions with the receipt the credentials give.
    services = officer.get("/en/staff/amane-demo/statistics/services/").content.decode()
    assert "What children said about the help they got" in services
    assert services.count('<table class="statistics"') == 4
    waiting = credentials["feedback"]["closed_case_receipt"]
    followup = Client().post("/fr/followup/", {"receipt": waiting["receipt"]})
    assert "Comment s'est passée l'aide que tu as reçue" in followup.content.decode()
