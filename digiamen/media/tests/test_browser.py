"""The picture step in Chromium: the page's own JavaScript makes PDQ, MD5 and SHA-256 on the
device, within the reference's tolerances, and only the hashes are sent."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from digiamen.conftest import World
from digiamen.intake import drafts
from digiamen.media.demo import demo_picture
from digiamen.media.hashing import hash_image
from digiamen.media.tests.helpers import PDQ_DIR, distance, expected_pdq

pytestmark = [
    pytest.mark.needs("chromium"),
    pytest.mark.django_db(transaction=True),
]


def test_javascript_pdq_on_the_published_vectors(
    world: World,
    live_server: Any,
    browser: Any,
) -> None:
    page = browser.new_page()
    page.goto(f"{live_server.url}/en/report/image/")
    names = list(expected_pdq())
    page.set_input_files("#image", [str(PDQ_DIR / name) for name in names])
    results = page.evaluate(
        """async () => {
            const files = Array.from(document.querySelector('#image').files);
            const out = [];
            for (const file of files) { out.push(await DigiAmenImageHash.hashFile(file)); }
            return out;
        }"""
    )
    for name, result in zip(names, results, strict=True):
        data = (PDQ_DIR / name).read_bytes()
        assert distance(result["pdq"], expected_pdq()[name]) <= 16, name
        if result["quality"] >= 80:
            assert distance(result["pdq"], expected_pdq()[name]) <= 10, name
        assert result["md5"] == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert result["sha256"] == hashlib.sha256(data).hexdigest()
    page.close()


def test_only_hashes_leave_the_browser(
    world: World,
    live_server: Any,
    browser: Any,
    tmp_path: Any,
) -> None:
    picture = demo_picture()
    path = tmp_path / "secret-photo.jpg"
    path.write_bytes(picture)
    page = browser.new_page()
    sent: list[bytes] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_buffer or b"") if request.method == "POST" else None
        ),
    )
    page.goto(f"{live_server.url}/en/report/image/")
    assert page.is_visible("[data-with-script]") and not page.is_visible("[data-without-script]")
    assert "does not leave your phone" in page.inner_text("main")
    page.set_input_files("#image", str(path))
    page.click("button[value=attach]")
    page.wait_for_selector("input[name=reporter_type]")
    assert len(sent) == 1
    body = sent[0]
    assert b"image_hashes" in body
    assert (
        b"secret-photo" not in body and picture[200:260] not in body and b"\xff\xd8\xff" not in body
    )
    token = page.input_value("input[name=draft]")
    answers = drafts.open_draft(token).answers
    expected = hash_image(picture)
    [hashes] = answers["image_hashes"]
    assert hashes["hashed_on"] == "device"
    assert hashes["md5"] == expected.md5 and hashes["sha256"] == expected.sha256
    assert distance(hashes["pdq"], expected.pdq) <= 10
    assert json.loads(json.dumps(hashes))  # plain JSON, nothing else
    page.close()
