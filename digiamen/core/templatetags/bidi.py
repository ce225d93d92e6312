"""Stored texts keep their own direction wherever a template puts them (core/text.py).

``{{ value|bdi }}`` for a value inside a translated sentence (``blocktranslate with``),
where the template cannot write the ``<bdi>`` element around it; ``{{ value|isolate }}``
where only plain text can go (``<title>``, attributes, SVG text): the value between
U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, Unicode's ``<bdi>``.
Stored texts never hold these characters themselves (core/text.py refuses or removes them).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from digiamen.core.text import isolated, left_to_right

register = template.Library()


@register.filter
def bdi(value: Any) -> SafeString:
    """The value, escaped, inside <bdi>."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter(is_safe=True)
def isolate(value: Any) -> str:
    """The value between FSI and PDI (escaped by the template as usual)."""
    return isolated(str(value))


@register.filter(is_safe=True)
def ltr(value: Any) -> str:
    """A date, a time, a period or a number with signs as one left-to-right unit (between
    LRI and PDI): the order of its parts never turns around in an Arabic line."""
    return left_to_right(str(value))
