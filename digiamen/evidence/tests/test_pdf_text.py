"""What the PDFs say, read back from their text layer (pdftotext) as a screen reader, a
search or a copy would read it: Arabic in reading order (never «تنب» for «بنت»), dates and
periods the right way round, and a page counter in words, in Arabic, French and English."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from digiamen.accounts import time_zones
from digiamen.conftest import World
from digiamen.evidence import brief, statistics
from digiamen.evidence.tests.test_statistics import report

pytestmark = pytest.mark.needs("pdftotext")

# Direction marks pdftotext puts around runs (embeddings, isolates, marks): not text.
DIRECTION_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def text_layer(pdf: bytes, tmp_path: Path, shot: str = "") -> str:
    """The PDF's text as pdftotext reads it; with ``shot``, its first page is also kept as
    a picture in var/screenshots/ for a person to look at."""
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    if shot and shutil.which("pdftoppm"):
        shots = Path(settings.VAR_DIR) / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "70",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(path),
                str(shots / shot),
            ],
            check=True,
            timeout=60,
        )
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    # pdftotext drops or moves the space between a number and Arabic beside it ("2من 3"):
    # spaces are not compared at all.
    return "".join(DIRECTION_MARKS.sub("", result.stdout.decode()).split())


def flat(text: str) -> str:
    return "".join(text.split())


# Per language: words of the charts and tables (one-way tables of sex and age), as typed,
# in reading order; the footer of the first page.
EXPECTED = {
    "ar": (["بنت", "ولد", "من 6 إلى 11 سنة", "من 15 إلى 17 سنة"], "صفحة 1 من 2"),
    "fr": (["Fille", "Garçon", "6 à 11 ans", "15 à 17 ans"], "Page 1 sur 2"),
    "en": (["Girl", "Boy", "6 to 11 years", "15 to 17 years"], "Page 1 of 2"),
}


@pytest.mark.parametrize("language", ["ar", "fr", "en"])
def test_the_brief_reads_in_order_in_each_language(
    world: World, tmp_path: Path, language: str
) -> None:
    for n in range(6):
        report(n, month=1, sex="female", age_band="6_11")
        report(10 + n, month=2, sex="male", age_band="15_17")
    with translation.override(language):
        pdf = brief.brief_pdf(world.amane, statistics.period("2026-01", "2026-12"))
    text = text_layer(pdf, tmp_path, shot=f"pdf-brief-{language}")
    words, footer = EXPECTED[language]
    for expected in words:
        assert flat(expected) in text, expected
        if language == "ar":
            assert flat(expected)[::-1] not in text  # visual order: what SVG text gave
    assert flat(footer) in text
    # The period, its months the right way round ("01-2026" in an Arabic line before).
    assert "2026-01" in text and "2026-12" in text
    assert "01-2026" not in text and "12-2026" not in text


def test_the_safeguarding_report_and_the_case_file_read_in_order_in_arabic(
    world: World, signed_in: Any, tmp_path: Path
) -> None:
    from digiamen.cases.tests.helpers import new_case
    from digiamen.safeguarding import actions as safeguarding

    alice = signed_in(world.alice, "ar")
    assessment = safeguarding.start(world.amane, world.alice.user)
    response = alice.get(f"/ar/staff/amane/safeguarding/{assessment.pk}/report/")
    assert response.status_code == 200, response.status_code
    text = text_layer(response.content, tmp_path, shot="pdf-safeguarding-ar")
    assert "صفحة1من" in text
    # Staff pages show the organisation's local time: near midnight UTC it can be
    # tomorrow there already.
    started = time_zones.local(assessment.started_at, world.amane).strftime("%Y-%m-%d")
    assert started in text and started[::-1] not in text

    case = new_case()
    sara = world.add_member("sara", world.amane, "supervisor")
    response = signed_in(sara, "ar").get(
        f"/ar/staff/amane/cases/{case.number}/print/?section=overview&section=timeline"
    )
    assert response.status_code == 200, response.status_code
    text = text_layer(response.content, tmp_path, shot="pdf-case-file-ar")
    assert "صفحة1من" in text
    assert time_zones.local(case.created_at, world.amane).strftime("%Y-%m-%d") in text
