"""What printed pages (the PDFs of core.pdf) share: the page counter of their footers."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_COUNTERS = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@register.simple_tag
def page_counter() -> SafeString:
    """The CSS ``content`` of a footer saying "Page 1 of 3" in the page's language.

    A bare "1 / 3" reads "3 / 1" in an Arabic footer (two numbers around a neutral slash in
    a right-to-left line); words between the numbers keep them in reading order."""
    parts = re.split(r"(%\(pages?\)s)", _("Page %(page)s of %(pages)s"))
    return mark_safe(  # noqa: S308 - the translated words are quoted as CSS strings
        " ".join(_COUNTERS.get(part) or _css_string(part) for part in parts if part)
    )
