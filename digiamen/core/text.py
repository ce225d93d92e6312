"""One rule for free text (narratives, notes, messages, names, descriptions, questions).

Texts are stored in Unicode NFC. Characters that change the direction of what follows
(the bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, which can
make "moc.enilpleh" read as "helpline.com") and C0/C1 control characters other than tab and
line breaks are never stored:

* staff and partners are told, with a translated message, and fix their text
  (``validate_text``, the validator of every staff form field and API text field);
* a reporter's words are kept and these invisible characters removed
  (``without_invisible``): a child cannot see them, so cannot remove them, and the review
  step shows the text as it will be read (it looks the same).

The left-to-right and right-to-left marks (U+200E, U+200F) and the joiners (U+200C,
U+200D) belong to Arabic and Persian writing and stay. Every stored text is rendered in an
element with ``dir="auto"`` (or inside ``<bdi>``) so Arabic and Latin mix safely: the form
fields below and the ``Isolated*`` choice widgets do it for forms, the ``bdi`` template
library for pages (``core/tests/test_stored_text_isolation.py`` proves it on every page).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: the embedding, override and isolate controls.
FSI, PDI = "\u2068", "\u2069"
LRI = "\u2066"
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 controls other than tab and line breaks.
OTHER_CONTROLS = frozenset(
    chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"
)
INVISIBLE = BIDI_CONTROLS | OTHER_CONTROLS
# For str.translate: each invisible character to nothing (one pass in C over a long story).
_DROP_INVISIBLE: dict[int, None] = dict.fromkeys(map(ord, INVISIBLE))

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


def validate_text(value: str) -> None:
    """The validator of staff text fields (forms)."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="invisible_characters")


def isolated(text: str) -> str:
    """A stored text inside a sentence made in Python (a message, a title, the API's words):
    between FSI and PDI, Unicode's <bdi> for plain text, so it keeps its own direction."""
    return f"{FSI}{text}{PDI}" if text else text


def left_to_right(text: str) -> str:
    """A value made of digits and signs (a date, a time, a period, a phone number) as one
    left-to-right unit: in an Arabic line, "2026-01" would otherwise show as "01-2026" and
    "2026-12-04 04:07" as "04:07 2026-12-04". Between LRI and PDI, which PDFs honour too."""
    return f"{LRI}{text}{PDI}" if text else text


def list_separator(language: str | None) -> str:
    """What stands between the items of a list: the Arabic comma « ، » in Arabic."""
    return "، " if (language or "").startswith("ar") else ", "


def normalised(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def without_invisible(value: str) -> str:
    """A reporter's text in NFC without direction and control characters."""
    return normalised(value.translate(_DROP_INVISIBLE))


class TextRefused(ValueError):
    """An API text field broke the rule; the message is translated (core/api_errors.py)."""


def _api_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise TextRefused(problem)
    return normalised(value)


# The rule as a pattern in the OpenAPI document (ECMA-262 and Python read it alike).
ALLOWED_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"

# The type of every free-text field of the API's request schemas.
PlainText = Annotated[
    str,
    AfterValidator(_api_text),
    Field(json_schema_extra={"pattern": ALLOWED_TEXT_PATTERN}),
]


def _own_direction(widget: forms.Widget) -> dict[str, Any]:
    """A field holding a stored text takes the text's direction, not the page's."""
    return {} if widget.is_hidden or "dir" in widget.attrs else {"dir": "auto"}


class TextField(forms.CharField):
    """A staff or partner text: NFC, and refused with a message if it holds direction or
    control characters."""

    default_validators = [validate_text]

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return normalised(text) if isinstance(text, str) else text

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **_own_direction(widget)}


class ReporterTextField(forms.CharField):
    """A reporter's words: NFC, with direction and control characters removed."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return without_invisible(text) if isinstance(text, str) else text

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), **_own_direction(widget)}


# Choices named by stored texts (usernames, organisations, networks, questions, areas,
# locations): an <option> takes its own text's direction (it cannot hold a <bdi>); a check
# box's or radio button's label is wrapped in <bdi>.


class IsolatedSelect(forms.Select):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"]["dir"] = "auto"
        return option


class IsolatedSelectMultiple(forms.SelectMultiple):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["attrs"]["dir"] = "auto"
        return option


class IsolatedRadioSelect(forms.RadioSelect):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["label"] = format_html("<bdi>{}</bdi>", option["label"])
        return option


class IsolatedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["label"] = format_html("<bdi>{}</bdi>", option["label"])
        return option


# The type of a reporter's free text in the API's request schemas.
ReporterText = Annotated[str, AfterValidator(without_invisible)]
