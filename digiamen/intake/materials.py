"""Printable materials that bring children to the report page: an A4 leaflet or an A3 poster
per audience, with the organisation's helplines, its text-message number or keyword, and a
QR code to the report page carrying a campaign's code (``awareness``); in colour or in black
and white for photocopying.

Drawn by WeasyPrint from a self-contained page (nothing fetched, the QR code inline SVG),
right to left in Arabic, with the machine's DejaVu fonts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation
from digiamen.awareness import lessons
from digiamen.awareness.models import Campaign
from digiamen.core.pdf import render_pdf
from digiamen.core.qr import qr_svg
from digiamen.intake.models import Helpline

SIZES = {"leaflet": "A4", "poster": "A3"}
SIZE_LABELS = {"leaflet": _("Leaflet (A4)"), "poster": _("Poster (A3)")}

# What each audience reads first, and three things to remember.
HEADLINES = {
    "child": _("Is something online worrying you?"),
    "adolescent": _("Threatened, pushed or exposed online?"),
    "caregiver": _("Your child can tell you anything."),
    "educator": _("A child tells you about harm online?"),
    "leader": _("Protect the children of your community online."),
}
MESSAGES = {
    "child": [
        _("It is not your fault."),
        _("Do not pay and do not send anything more."),
        _("Tell us. You do not have to say your name."),
    ],
    "adolescent": [
        _("It is not your fault: the person who threatens you is doing wrong."),
        _("Do not pay, do not send more, keep the messages."),
        _("Tell us. You do not have to say your name."),
    ],
    "caregiver": [
        _("Listen calmly and believe your child."),
        _("Do not take the phone away as a punishment: children stop telling."),
        _("Ask us for help: we listen and we do not judge."),
    ],
    "educator": [
        _("Listen, believe and reassure the child."),
        _("Follow your safeguarding protocol; do not investigate yourself."),
        _("Refer to us: we help children and the adults around them."),
    ],
    "leader": [
        _("Speak against shame and blame: the child is never at fault."),
        _("Encourage families to listen and to ask for help."),
        _("Point children and parents to us: we listen and we do not judge."),
    ],
}


@dataclass(frozen=True)
class Material:
    audience: str
    size: str
    language: str
    campaign: Campaign | None
    text_message: str
    black_and_white: bool


def report_link(language: str, campaign: Campaign | None) -> str:
    with translation.override(language):
        path = reverse("intake_public:report")
    link = f"{settings.SITE_URL}{path}"
    return f"{link}?c={campaign.code}" if campaign is not None else link


def _helplines(organisation: Organisation, language: str) -> list[tuple[str, str]]:
    """The organisation's own helplines: (name in the language, number)."""
    return [
        (line.name_in(language), line.phone)
        for line in Helpline.objects.filter(owner=organisation).order_by("order", "id")
    ]


def material_html(organisation: Organisation, chosen: Material) -> str:
    """The page WeasyPrint draws."""
    link = report_link(chosen.language, chosen.campaign)
    with translation.override(chosen.language):
        return render_to_string(
            "intake/material.html",
            {
                "organisation": organisation,
                "material": chosen,
                "page_size": SIZES[chosen.size],
                "direction": "rtl" if chosen.language == "ar" else "ltr",
                "headline": HEADLINES[chosen.audience],
                "messages": MESSAGES[chosen.audience],
                "lessons": [
                    lesson
                    for _code, _label, items in lessons.catalogue(chosen.language)
                    if _code == chosen.audience
                    for lesson in items
                ],
                "helplines": _helplines(organisation, chosen.language),
                "link": link,
                "library": f"{settings.SITE_URL}{reverse('awareness_public:library')}",
                "qr": qr_svg(link),
            },
        )


def material_pdf(organisation: Organisation, chosen: Material) -> bytes:
    return render_pdf(material_html(organisation, chosen))
