"""Campaign codes as they arrive: in a poster's link, a text message, a field form.

A code that is unknown, outside its campaign's dates or of another organisation is simply
not recorded: the report goes on as usual and the child is never told anything about it.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone

from digiamen.accounts.models import Organisation
from digiamen.awareness.models import Campaign

CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9-]{1,38})[A-Z0-9]")
CODE_MAX = 40


def normalise(text: object) -> str:
    """'school-rabat-2027 ' -> 'SCHOOL-RABAT-2027'; '' when it cannot be a code."""
    if not isinstance(text, str) or len(text) > CODE_MAX + 8:
        return ""
    code = text.strip().upper()
    return code if code.isascii() and CODE.fullmatch(code) else ""


def running(text: object, today: date | None = None) -> str:
    """The code, if a campaign with it runs today; else ''."""
    code = normalise(text)
    if not code:
        return ""
    today = today or timezone.localdate()
    found = Campaign.objects.filter(code=code, starts_on__lte=today, ends_on__gte=today).exists()
    return code if found else ""


def of_organisation(organisation: Organisation, text: object) -> str:
    """The code, if it is one of this organisation's campaigns (a report routed elsewhere
    counts for nobody's campaign); else ''."""
    code = normalise(text)
    if not code:
        return ""
    return code if Campaign.objects.filter(code=code, organisation=organisation).exists() else ""


def exists(code: str) -> bool:
    return Campaign.objects.filter(code=code).exists()
