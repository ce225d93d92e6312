from __future__ import annotations

from django import template

from digiamen.cases.timeline import event_label as label_of

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    """A timeline event's kind in words (never its code)."""
    return label_of(kind)
