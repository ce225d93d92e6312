"""Fingerprints of an image, computed in memory; the image itself is never kept.

PDQ (Meta's perceptual hash, with its quality score) finds the same picture resized or
re-compressed; MD5 and SHA-256 of the bytes find the very same file. The bytes are read from
memory, decoded by Pillow at reduced size where the format allows (JPEG draft mode), scaled
into 512 x 512 as PDQ's reference does, hashed, and dropped. Nothing is written anywhere.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import asdict, dataclass
from io import BytesIO
from typing import Any, ClassVar

import numpy as np
import pdqhash
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile

from digiamen.core.clients import RateLimit
from digiamen.core.errors import ActionError

# Formats Pillow may try: the photo formats phones and apps produce. SVG, PDF and the rest
# are refused before any decoder looks at them.
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
# PDQ's reference scales every image into this box before hashing; so do we.
PDQ_WORKING_SIZE = (512, 512)
MIN_SIDE = 16

HEX = {"md5": 32, "sha256": 64, "pdq": 64}
HEX_PATTERN = re.compile(r"[0-9a-f]+")


def hashing_allowed(subject: str, count: int) -> bool:
    """Decoding costs the server time: each connection may have only so many pictures
    hashed per hour (refused ones count too)."""
    limit = RateLimit("image-hashing", settings.IMAGE_HASHES_PER_HOUR, 3600)
    if limit.exceeded(subject):
        return False
    for _picture in range(count):
        limit.hit(subject)
    return True


class ImageRejected(ActionError):
    position: int | None = None
    messages: ClassVar[dict[str, Any]] = {
        "empty": _("The file is empty."),
        "too_large": _("The file is too large. Send an image of at most 15 MB."),
        "not_an_image": _(
            "This file is not an image we can read. Send a photo or screenshot "
            "(JPEG, PNG, GIF, WebP or BMP)."
        ),
        "too_many_pixels": _("The image is too big (too many pixels) to be read safely."),
        "too_small": _("The image is too small to be fingerprinted."),
        "unreadable": _("The image is damaged or incomplete and cannot be read."),
        "rate_limited": _("Too many pictures were sent from this connection. Wait an hour."),
    }


@dataclass(frozen=True)
class ImageHashes:
    pdq: str
    quality: int
    md5: str
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hash_image(data: bytes, *, draft: bool = True) -> ImageHashes:
    """Fingerprint an image held in memory. Raises ImageRejected with a reason."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise ImageRejected("too_large")
    pixels = decode_for_pdq(data, draft=draft)
    bits, quality = pdqhash.compute(pixels)
    return ImageHashes(
        pdq=np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(),
        quality=int(quality),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def hash_uploads(uploads: list[Any], subject: str) -> list[dict[str, Any]]:
    """Hash uploaded pictures in memory, each marked as hashed on the server, and close them.

    Rate-limited per ``subject`` (a connection or a partner key). Raises ImageRejected; its
    ``position`` is the index of the picture at fault (None for the rate limit).
    """
    if uploads and not hashing_allowed(subject, len(uploads)):
        raise ImageRejected("rate_limited")
    hashed: list[dict[str, Any]] = []
    for position, upload in enumerate(uploads):
        try:
            hashes = hash_image(upload.read())
        except ImageRejected as error:
            error.position = position
            raise
        finally:
            upload.close()
        hashed.append({**hashes.as_dict(), "hashed_on": "server"})  # ReportedImage.HashedOn
    return hashed


def decode_for_pdq(data: bytes, *, draft: bool = True) -> np.ndarray[Any, Any]:
    """RGB pixels scaled into 512 x 512, checked against bombs before any decoding."""
    with warnings.catch_warnings():
        # Pillow warns, then raises, on huge images; our own pixel limit comes first.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data), formats=ALLOWED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("too_many_pixels") from error
        except Exception as error:  # any parser failure on hostile bytes is "not an image"
            raise ImageRejected("not_an_image") from error
        try:
            width, height = image.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ImageRejected("too_many_pixels")
            if min(width, height) < MIN_SIDE:
                raise ImageRejected("too_small")
            # WeasyPrint turns on Pillow's leniency for truncated files when it is imported;
            # a picture cut short must be refused here, not padded with grey.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            if draft and image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale, never below the working size.
                image.draft("RGB", PDQ_WORKING_SIZE)
            image.load()
            image.thumbnail(PDQ_WORKING_SIZE)
            return np.asarray(image.convert("RGB"))
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("too_many_pixels") from error
        except Exception as error:  # truncated data, corrupt chunks, decoder errors
            raise ImageRejected("unreadable") from error
        finally:
            image.close()


class HashRejected(ActionError):
    messages: ClassVar[dict[str, Any]] = {
        "md5": _("An MD5 hash is 32 hexadecimal characters (0-9, a-f)."),
        "sha256": _("A SHA-256 hash is 64 hexadecimal characters (0-9, a-f)."),
        "pdq": _("A PDQ hash is 64 hexadecimal characters (0-9, a-f)."),
        "quality": _("A PDQ quality is a whole number from 0 to 100."),
        "missing": _("Give at least one hash: md5, sha256 or pdq."),
    }


def clean_hex(kind: str, value: Any) -> str:
    """A hash in lower-case hexadecimal of the right length, or HashRejected(kind)."""
    if not isinstance(value, str):
        raise HashRejected(kind)
    text = value.strip().lower()
    if len(text) != HEX[kind] or not HEX_PATTERN.fullmatch(text):
        raise HashRejected(kind)
    return text


def clean_quality(value: Any) -> int:
    if isinstance(value, bool):
        raise HashRejected("quality")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise HashRejected("quality")
    return value


def clean_hash_sets(items: list[Any], *, hashed_on: str) -> list[dict[str, Any]]:
    """Several images' hashes computed elsewhere, each marked with where it was computed."""
    return [
        {**clean_hash_set(item if isinstance(item, dict) else {}), "hashed_on": hashed_on}
        for item in items
    ]


def clean_hash_set(raw: dict[str, Any]) -> dict[str, Any]:
    """One image's hashes as sent by a browser or an app: any of pdq (+quality), md5, sha256."""
    cleaned: dict[str, Any] = {}
    for kind in ("md5", "sha256", "pdq"):
        if raw.get(kind) not in (None, ""):
            cleaned[kind] = clean_hex(kind, raw[kind])
    if not cleaned:
        raise HashRejected("missing")
    if "pdq" in cleaned:
        cleaned["quality"] = clean_quality(raw.get("quality"))
    return cleaned
