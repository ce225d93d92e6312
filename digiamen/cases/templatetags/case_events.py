from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from digiamen.cases.timeline import event_label as label_of

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    """A timeline event's kind in words (never its code)."""
    return label_of(kind)


# How the reporter asked to be contacted, in staff words (the report stores a code).
CONTACT_METHODS = {
    "receipt": _("Only through their secret number (anonymous)"),
    "phone": _("Phone call or text message"),
    "whatsapp": _("WhatsApp"),
    "email": _("E-mail"),
}


@register.filter
def contact_method_label(code: str) -> str:
    return str(CONTACT_METHODS.get(code, code))
