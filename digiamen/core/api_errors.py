"""Validation messages of the API, translated: pydantic's own are English only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from digiamen.core.text import BIDI_MESSAGE, CONTROL_MESSAGE, TextRefused


def field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        return _("This value is too long.")
    if kind in {"string_too_short", "too_short"}:
        return _("This value is too short.")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return _("This value has the wrong type.")
    if kind == "literal_error" or kind == "enum":
        return _("This value is not one of the allowed choices.")
    if kind == "extra_forbidden":
        return _("This field is not allowed.")
    refused = (error.get("ctx") or {}).get("error")
    # pydantic keeps the exception; django-ninja hands it over as its text.
    if kind == "value_error" and (
        isinstance(refused, TextRefused) or refused in {str(BIDI_MESSAGE), str(CONTROL_MESSAGE)}
    ):
        return str(refused)  # already in the request's language
    return _("This value is not valid.")
