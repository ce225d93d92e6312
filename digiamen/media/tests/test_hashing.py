"""Server-side hashing: correctness on Meta's published vectors, limits, hostile files, and
proof that nothing of the picture is written anywhere."""

from __future__ import annotations

import hashlib
import os
import sys
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from digiamen.media.demo import demo_picture, near_duplicate
from digiamen.media.hashing import HashRejected, ImageRejected, clean_hash_set, hash_image
from digiamen.media.tests.helpers import PDQ_DIR, distance, expected_pdq, jpeg, png_header_only


@pytest.mark.parametrize("draft", [True, False])
def test_pdq_matches_the_reference_on_the_published_vectors(draft: bool) -> None:
    for name, expected in expected_pdq().items():
        data = (PDQ_DIR / name).read_bytes()
        hashes = hash_image(data, draft=draft)
        assert distance(hashes.pdq, expected) <= 16, name
        if hashes.quality >= 80:
            assert distance(hashes.pdq, expected) <= 10, name
        assert hashes.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert hashes.sha256 == hashlib.sha256(data).hexdigest()


def test_quality_tells_featureless_pictures() -> None:
    assert hash_image((PDQ_DIR / "small.jpg").read_bytes()).quality < 50
    assert hash_image((PDQ_DIR / "q2821.jpg").read_bytes()).quality == 100


def test_a_resized_recompressed_copy_is_near_and_a_different_picture_is_far() -> None:
    original = hash_image(demo_picture())
    copy = hash_image(near_duplicate(demo_picture(), scale=0.5, quality=40))
    other = hash_image(demo_picture(seed=99))
    assert distance(original.pdq, copy.pdq) <= 31
    assert distance(original.pdq, other.pdq) > 31
    assert original.sha256 != copy.sha256


def truncated() -> bytes:
    data = (PDQ_DIR / "q2821.jpg").read_bytes()
    return data[: len(data) // 3]


def image_bytes(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (truncated(), "unreadable"),
        (os.urandom(4096), "not_an_image"),
        (image_bytes((1, 1)), "too_small"),
        (png_header_only(30_000, 30_000), "too_many_pixels"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9" '
            b'height="9"><rect width="9" height="9"/></svg>',
            "not_an_image",
        ),
        (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF", "not_an_image"),
        (b"GIF89a" + b"\x00" * 20, "not_an_image"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        hash_image(data)
    assert refused.value.code == reason
    assert refused.value.message


def test_a_file_above_the_byte_limit_is_refused_before_decoding(settings: Any) -> None:
    settings.IMAGE_MAX_BYTES = 1000
    with pytest.raises(ImageRejected) as refused:
        hash_image(jpeg((300, 300)) + b"\x00" * 1000)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    "raw",
    [
        {"pdq": "a" * 63, "quality": 90},
        {"pdq": "g" * 64, "quality": 90},
        {"pdq": "a" * 64, "quality": 101},
        {"pdq": "a" * 64},
        {"md5": "0" * 31},
        {"sha256": "z" * 64},
        {"md5": 12345},
        {},
    ],
)
def test_malformed_hashes_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(HashRejected):
        clean_hash_set(raw)


def test_hashes_are_normalised_to_lower_case() -> None:
    assert clean_hash_set({"md5": "ABCDEF" + "0" * 26}) == {"md5": "abcdef" + "0" * 26}


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class FileWatcher:
    """Records every file opened for writing (Python's audit hooks see every open)."""

    def __init__(self) -> None:
        self.active = False
        self.written: list[str] = []
        sys.addaudithook(self.hook)

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = [*args, None, None, 0][:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS
            )
            if writing:
                self.written.append(str(path))
        elif event in ("os.mkdir", "os.rename", "shutil.copyfile", "tempfile.mkstemp"):
            self.written.append(f"{event}:{args[0] if args else ''}")


WATCHER = FileWatcher()


def test_hashing_writes_no_file_anywhere() -> None:
    data = (PDQ_DIR / "bridge-1-original.jpg").read_bytes()
    WATCHER.written.clear()
    WATCHER.active = True
    try:
        hash_image(data)
        hash_image(data, draft=False)
    finally:
        WATCHER.active = False
    assert WATCHER.written == []


def test_the_watcher_does_see_a_written_file(tmp_path: Any) -> None:
    WATCHER.written.clear()
    WATCHER.active = True
    try:
        (tmp_path / "x").write_bytes(b"1")
    finally:
        WATCHER.active = False
    assert len(WATCHER.written) == 1


def test_a_truncated_file_is_refused_even_after_weasyprint_made_pillow_lenient() -> None:
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does
    try:
        with pytest.raises(ImageRejected) as refused:
            hash_image(truncated())
        assert refused.value.code == "unreadable"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
