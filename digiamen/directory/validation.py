"""Checks shared by the directory's forms and its HSDS import.

Directory texts are shown to the public, so a name that hides direction-changing control
characters (which can make "moc.enilpleh" read as "helpline.com") is refused rather than kept.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: the embedding, override and isolate controls.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 controls other than tab and line breaks.
OTHER_CONTROLS = frozenset(
    chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"
)

BIDI_MESSAGE = _("This text holds invisible characters that change its direction. Remove them.")
CONTROL_MESSAGE = _("This text holds invisible control characters. Remove them.")


def text_problem(value: str) -> str | None:
    """Why this text may not be stored, or None."""
    characters = set(value)
    if characters & BIDI_CONTROLS:
        return str(BIDI_MESSAGE)
    if characters & OTHER_CONTROLS:
        return str(CONTROL_MESSAGE)
    return None


def validate_directory_text(value: str) -> None:
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="invisible_characters")
