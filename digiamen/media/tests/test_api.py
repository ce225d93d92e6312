"""The API: reports with pictures or hashes, and /api/v1/hashes/match for liaisons."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from digiamen.accounts import actions as account_actions
from digiamen.cases.tests.test_api import token_for
from digiamen.conftest import World
from digiamen.intake.models import Report
from digiamen.media import actions
from digiamen.media.demo import demo_picture, near_duplicate
from digiamen.media.hashing import hash_image
from digiamen.media.models import ReportedImage
from digiamen.media.tests.helpers import PDQ_DIR, png_header_only

PICTURE = hash_image(demo_picture())
REPORT = {"harm_types": ["sexual_extortion"], "country": "MA"}


def liaison_key(world: World) -> dict[str, str]:
    key = account_actions.issue_api_key(world.amane, "platform_liaison", label="p", actor=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def match(body: Any, headers: dict[str, str]) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post("/api/v1/hashes/match", data, content_type="application/json", **headers)


@pytest.fixture
def bank(world: World) -> Any:
    bank = actions.create_bank(world.amane, world.alice.user, name="Known", source="t")
    actions.add_entries(
        bank, world.alice.user, [{**PICTURE.as_dict(), "classification": "national"}]
    )
    return bank


def test_liaison_matches_hashes_in_order(world: World, bank: Any) -> None:
    copy = hash_image(near_duplicate(demo_picture()))
    body = {
        "hashes": [
            {"pdq": "0" * 64},
            {"pdq": copy.pdq.upper()},
            {"md5": PICTURE.md5},
            {"sha256": PICTURE.sha256},
        ]
    }
    response = match(body, liaison_key(world))
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["matches"] == []
    assert results[1]["matches"][0]["bank"] == "Known"
    assert results[1]["matches"][0]["kind"] == "pdq" and results[1]["matches"][0]["distance"] <= 31
    assert results[2]["matches"][0]["kind"] == "md5"
    assert results[3]["matches"][0]["classification"] == "national"


def test_another_organisations_liaison_sees_nothing(world: World, bank: Any) -> None:
    key = account_actions.issue_api_key(world.jordan, "platform_liaison", label="p", actor=None)
    response = match({"hashes": [{"md5": PICTURE.md5}]}, {"HTTP_AUTHORIZATION": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["results"][0]["matches"] == []


def test_who_may_match(world: World, bank: Any) -> None:
    body = {"hashes": [{"md5": PICTURE.md5}]}
    assert match(body, {}).status_code == 401
    intake = account_actions.issue_api_key(world.amane, "report_intake", label="i", actor=None)
    assert match(body, {"HTTP_AUTHORIZATION": f"Bearer {intake}"}).status_code == 403
    assert match(body, token_for(world.bob)).status_code == 403
    liaison = world.add_member("lia", world.amane, "platform_liaison")
    assert match(body, token_for(liaison)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"hashes": [{"pdq": "abc"}]},
        {"hashes": [{"md5": "x" * 32}]},
        {"hashes": [{"sha256": "0" * 63}]},
        {"hashes": [{}]},
        {"hashes": [{"pdq": "0" * 64, "quality": 300}]},
        {"hashes": [{"md5": "0" * 32}] * 1001},
        {"hashes": []},
        {"hashes": "nope"},
        {"hashes": [{"md5": "0" * 32, "extra": 1}]},
        b"\xff\xfe not json",
    ],
)
def test_bad_match_requests_get_a_clear_4xx(world: World, bank: Any, body: Any) -> None:
    response = match(body, liaison_key(world))
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_a_batch_of_1000_is_answered_in_order(world: World, bank: Any) -> None:
    hashes = [{"md5": f"{n:032x}"} for n in range(999)] + [{"md5": PICTURE.md5}]
    results = match({"hashes": hashes}, liaison_key(world)).json()["results"]
    assert len(results) == 1000 and results[-1]["matches"] and not results[0]["matches"]


def post_report(data: dict[str, Any]) -> Any:
    return Client().post("/api/v1/reports", data)


def upload(data: bytes, name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_hashes_computed_elsewhere_come_as_json(world: World, bank: Any) -> None:
    body = {**REPORT, "image_hashes": [PICTURE.as_dict()]}
    response = Client().post("/api/v1/reports", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    image = ReportedImage.objects.get()
    assert image.hashed_on == "app" and image.pdq == PICTURE.pdq
    assert image.matches.count() == 3  # md5, sha256 and pdq


def test_the_report_part_may_be_a_file_part_and_several_images_are_hashed(world: World) -> None:
    report = SimpleUploadedFile("r.json", json.dumps(REPORT).encode(), "application/json")
    pictures = [upload((PDQ_DIR / "q2821.jpg").read_bytes()), upload(demo_picture())]
    response = post_report({"report": report, "image": pictures})
    assert response.status_code == 201, response.content
    assert ReportedImage.objects.filter(hashed_on="server").count() == 2


@pytest.mark.parametrize(
    "pictures",
    [
        [b"%PDF-1.4 not an image"],
        [png_header_only(30_000, 30_000)],
        [(PDQ_DIR / "q2821.jpg").read_bytes()[:500]],
        [demo_picture()] * 6,
    ],
)
def test_bad_pictures_store_nothing(world: World, pictures: list[bytes]) -> None:
    response = post_report({"report": json.dumps(REPORT), "image": [upload(p) for p in pictures]})
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not Report.objects.exists() and not ReportedImage.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"report": "{not json"},
        {"report": json.dumps({"harm_types": []})},
        {"report": json.dumps({**REPORT, "image_hashes": [{"pdq": "zz"}]})},
        {},
    ],
)
def test_bad_multipart_reports_store_nothing(world: World, data: dict[str, Any]) -> None:
    response = post_report(data)
    assert 400 <= response.status_code < 500
    assert not Report.objects.exists()


def test_an_upload_above_the_limit_is_refused_without_reading_it(
    world: World, settings: Any
) -> None:
    settings.UPLOAD_MAX_FILE_BYTES = 10_000
    response = post_report({"report": json.dumps(REPORT), "image": [upload(demo_picture())]})
    assert response.status_code == 413
    assert not Report.objects.exists()


def test_api_server_hashing_is_rate_limited(world: World, settings: Any) -> None:
    settings.IMAGE_HASHES_PER_HOUR = 2
    data = {"report": json.dumps(REPORT), "image": [upload(demo_picture()) for _ in range(2)]}
    assert post_report(data).status_code == 201
    data = {"report": json.dumps(REPORT), "image": [upload(demo_picture())]}
    response = post_report(data)
    assert response.status_code == 429 and response.json()["detail"]
    assert Report.objects.count() == 1
