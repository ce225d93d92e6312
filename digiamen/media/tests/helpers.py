from __future__ import annotations

import csv
import struct
import zlib
from io import BytesIO

from PIL import Image

from digiamen.tests.support import vectors_path

PDQ_DIR = vectors_path("pdq")


def expected_pdq() -> dict[str, str]:
    with (PDQ_DIR / "expected.csv").open() as handle:
        return {row["file"]: row["pdq_hex"] for row in csv.DictReader(handle)}


def distance(left: str, right: str) -> int:
    return (int(left, 16) ^ int(right, 16)).bit_count()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG announcing width x height pixels, with one tiny compressed row: a bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def jpeg(size: tuple[int, int] = (64, 64), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()
