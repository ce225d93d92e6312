"""PDFs drawn on the server from a self-contained HTML page (WeasyPrint): the evidence brief,
the safeguarding report, a printed case file. Nothing is ever fetched while drawing."""

from __future__ import annotations

from typing import Any


class PdfUnavailable(Exception):
    """The machine lacks what draws PDFs (Pango); the operations guide says what to install."""


class NoFetching(Exception):
    """A page asked for a URL while being drawn: it never should."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise NoFetching(url)


def render_pdf(html: str) -> bytes:
    """A PDF of a self-contained HTML page (every URL fetch refused)."""
    try:
        from weasyprint import HTML  # imported here: it needs Pango, only for PDFs
    except OSError as error:  # the system's Pango library is missing
        raise PdfUnavailable from error
    from PIL import ImageFile

    # Importing WeasyPrint makes Pillow accept truncated files for the whole process; our
    # PDFs embed no raster image, and pictures cut short must be refused (media.hashing).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return bytes(HTML(string=html, url_fetcher=_refuse).write_pdf())
