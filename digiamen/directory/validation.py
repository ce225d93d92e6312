"""Checks shared by the directory's forms and its HSDS import.

Directory texts are shown to the public, so a name that hides direction-changing control
characters (which can make "moc.enilpleh" read as "helpline.com") is refused rather than kept.
"""

from __future__ import annotations

from digiamen.core.text import (
    BIDI_CONTROLS,
    BIDI_MESSAGE,
    CONTROL_MESSAGE,
    OTHER_CONTROLS,
    text_problem,
    validate_text,
)

# The directory's forms and its HSDS import follow the platform's one rule for text.
validate_directory_text = validate_text

__all__ = [
    "BIDI_CONTROLS",
    "BIDI_MESSAGE",
    "CONTROL_MESSAGE",
    "OTHER_CONTROLS",
    "text_problem",
    "validate_directory_text",
]
