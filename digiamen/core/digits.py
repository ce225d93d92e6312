"""Digits as people type them: Western, Arabic-Indic (U+0660-0669) or Eastern (U+06F0-06F9)."""

from __future__ import annotations

from typing import Any

from django import forms

_TO_WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Spaces (including no-break and thin spaces), dashes and dots people use to group digits.
_GROUPING = str.maketrans("", "", " \u00a0\u2009\u202f-\u2010\u2011\u2012\u2013\u2014.")


def normalize_digits(value: str) -> str:
    return value.translate(_TO_WESTERN)


def digits_only(value: str) -> str:
    """Western digits with grouping removed: '٠٦ ١٢-٣٤' -> '061234'."""
    return normalize_digits(value).translate(_GROUPING)


class DigitsField(forms.CharField):
    """A code typed in any digit system, with grouping spaces and dashes ignored."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return digits_only(text) if text else ""
