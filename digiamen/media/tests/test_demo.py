"""The demo: its platform liaison's key matches a near-duplicate of the demo bank's picture,
and the demo report sent with a copy of that picture shows the match on its case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from digiamen.cases.models import Case
from digiamen.media.demo import demo_picture, near_duplicate
from digiamen.media.hashing import hash_image
from digiamen.media.models import ImageMatch


@pytest.mark.django_db
def test_demo_bank_matches_a_near_duplicate(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path):
        call_command("load_demo")
        data = json.loads((tmp_path / "demo-credentials.json").read_text())
    [bank] = data["hash_banks"]
    key = next(
        k["key"]
        for k in data["api_keys"]
        if k["role"] == "platform_liaison" and k["organisation"] == bank["organisation"]
    )
    copy = hash_image(near_duplicate(demo_picture(), scale=0.45, quality=35))
    response = Client().post(
        "/api/v1/hashes/match",
        json.dumps({"hashes": [{"pdq": copy.pdq}, {"md5": copy.md5}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    first, second = response.json()["results"]
    assert first["matches"][0]["bank"] == bank["name"] and first["matches"][0]["distance"] <= 31
    assert second["matches"] == []  # a re-compressed copy is another file
    match = ImageMatch.objects.get()
    case = Case.objects.get(report=match.image.report)
    assert case.risk_level == "high" and case.events.filter(kind="known_image").exists()
