"""Demo hash bank: a synthetic picture (shapes drawn here, nothing real) stands in for a
known abuse picture, with a few hundred random hashes around it, and one demo report whose
picture is a resized, re-compressed copy, so the case shows a match."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

from PIL import Image, ImageDraw

from digiamen.accounts.models import Organisation
from digiamen.intake import actions as intake_actions
from digiamen.media import actions
from digiamen.media.hashing import hash_image
from digiamen.media.models import Classification, ReportedImage
from digiamen.networks.models import Network

RANDOM_ENTRIES = 300


def demo_picture(seed: int = 7, size: tuple[int, int] = (1200, 900)) -> bytes:
    """A JPEG of coloured shapes, the same for the same seed."""
    generator = random.Random(seed)  # noqa: S311 - a drawing, not a secret
    image = Image.new("RGB", size, (generator.randrange(256), 120, 200))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _shape in range(60):
        x, y = generator.randrange(width), generator.randrange(height)
        w, h = generator.randrange(40, width // 2), generator.randrange(40, height // 2)
        colour = tuple(generator.randrange(256) for _channel in range(3))
        if generator.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def near_duplicate(data: bytes, *, scale: float = 0.6, quality: int = 55) -> bytes:
    """The same picture resized and re-compressed, as it circulates."""
    source = Image.open(BytesIO(data))
    image = source.resize((int(source.width * scale), int(source.height * scale)))
    buffer = BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def load(organisations: list[Organisation]) -> dict[str, Any]:
    owner = organisations[0]
    network = Network.objects.filter(secretariat=owner).first()
    bank = actions.create_bank(
        owner, None, name="Known pictures (demo)", source="demo", network=network
    )
    known = hash_image(demo_picture())
    generator = random.Random(11)  # noqa: S311
    rows: list[dict[str, Any]] = [
        {
            **known.as_dict(),
            "classification": Classification.BASELINE,
            "reference": "DEMO-1",
        }
    ]
    rows += [
        {
            "pdq": f"{generator.getrandbits(256):064x}",
            "quality": 100,
            "classification": Classification.BASELINE,
            "reference": f"DEMO-{number}",
        }
        for number in range(2, RANDOM_ENTRIES + 2)
    ]
    actions.add_entries(bank, None, rows)
    copy = hash_image(near_duplicate(demo_picture()))
    submission = intake_actions.submit_report(
        {
            "reporter_type": "child",
            "harm_types": ["sexual_extortion", "non_consensual_image_sharing"],
            "platforms": ["instagram"],
            "country": owner.country,
            "age_band": "15_17",
            "narrative": "Someone threatens to send my photo to my family unless I pay.",
            "image_hashes": [{**copy.as_dict(), "hashed_on": ReportedImage.HashedOn.SERVER}],
        },
        channel="web",
        submission_id="demo-report-picture",
    )
    return {
        "hash_banks": [{"organisation": owner.slug, "name": bank.name, "id": bank.pk}],
        "picture_report": submission.report.organisation.slug,
    }
