"""The picture step without JavaScript: the picture is hashed on the server and discarded."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from digiamen.conftest import World
from digiamen.intake import drafts
from digiamen.intake.models import Draft
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image
from digiamen.media.models import ReportedImage
from digiamen.media.tests.helpers import png_header_only
from digiamen.media.tests.test_hashing import WATCHER

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "media" / "imagehash.js"


def start_token(html: str) -> str:
    match = re.search(r'name="start" value="([^"]+)"', html)
    assert match
    return match.group(1)


def draft_token(html: str) -> str:
    match = re.search(r'name="draft" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_page_explains_both_ways(world: World, language: str) -> None:
    response = Client().get(f"/{language}/report/image/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-with-script" in html and "data-without-script" in html
    assert 'enctype="multipart/form-data"' in html and 'name="image"' in html


def test_page_and_script_fit_a_2g_budget(world: World) -> None:
    html = Client().get("/en/report/image/").content
    total = len(gzip.compress(html)) + len(gzip.compress(SCRIPT.read_bytes()))
    assert total <= 40 * 1024


def test_without_javascript_the_picture_is_hashed_and_nothing_of_it_remains(world: World) -> None:
    client = Client()
    picture = demo_picture()
    token = start_token(client.get("/en/report/image/").content.decode())
    WATCHER.written.clear()
    WATCHER.active = True
    try:
        response = client.post(
            "/en/report/image/",
            {
                "start": token,
                "action": "attach",
                "image": SimpleUploadedFile("me.jpg", picture, content_type="image/jpeg"),
            },
        )
    finally:
        WATCHER.active = False
    assert WATCHER.written == []
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/en/report/"' in html  # back in the report flow, at its first step
    draft = drafts.open_draft(draft_token(html))
    expected = hash_image(picture)
    assert draft.answers["image_hashes"] == [{**expected.as_dict(), "hashed_on": "server"}]
    stored = bytes(Draft.objects.get().ciphertext)
    assert picture[100:140] not in stored and b"me.jpg" not in stored


def test_skip_keeps_no_picture(world: World) -> None:
    client = Client()
    token = start_token(client.get("/en/report/image/").content.decode())
    response = client.post(
        "/en/report/image/",
        {
            "start": token,
            "action": "skip",
            "image": SimpleUploadedFile("me.jpg", demo_picture(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 200
    assert "image_hashes" not in drafts.open_draft(draft_token(response.content.decode())).answers


@pytest.mark.parametrize(
    "data",
    [
        {"image": SimpleUploadedFile("x.jpg", b"%PDF-1.4", content_type="image/jpeg")},
        {"image": SimpleUploadedFile("x.png", png_header_only(30_000, 30_000))},
        {"image_hashes": '[{"pdq": "nothex", "quality": 90}]'},
        {"image_hashes": "{not json"},
        {"image_hashes": "[]"},
        {},
    ],
)
def test_bad_pictures_or_hashes_change_nothing(world: World, data: dict[str, Any]) -> None:
    client = Client()
    token = start_token(client.get("/fr/report/image/").content.decode())
    response = client.post("/fr/report/image/", {"start": token, "action": "attach", **data})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Draft.objects.exists()


def test_device_hashes_travel_with_the_report_to_the_case(world: World) -> None:
    client = Client()
    hashes = hash_image(demo_picture()).as_dict()
    token = start_token(client.get("/en/report/image/").content.decode())
    import json

    html = client.post(
        "/en/report/image/",
        {"start": token, "action": "attach", "image_hashes": json.dumps([hashes])},
    ).content.decode()
    draft = draft_token(html)
    steps = [
        {"reporter_type": "child"},
        {"harm_types": "sexual_extortion"},
        {"country": "MA"},
        {},
        {},
        {"contact_method": "receipt"},
        {},
    ]
    for answers in steps:
        response = client.post("/en/report/", {"draft": draft, "action": "next", **answers})
        assert response.status_code == 200, response.content.decode()[:500]
    response = client.post("/en/report/", {"draft": draft, "action": "send"})
    assert response.status_code == 201
    image = ReportedImage.objects.get()
    assert image.hashed_on == "device" and image.pdq == hashes["pdq"]


def test_server_hashing_is_rate_limited_per_connection(world: World, settings: Any) -> None:
    settings.IMAGE_HASHES_PER_HOUR = 1
    client = Client()

    def send() -> Any:
        token = start_token(client.get("/en/report/image/").content.decode())
        upload = SimpleUploadedFile("a.jpg", demo_picture(), content_type="image/jpeg")
        return client.post("/en/report/image/", {"start": token, "image": upload})

    assert send().status_code == 200
    refused = send()
    assert refused.status_code == 429 and 'role="alert"' in refused.content.decode()
