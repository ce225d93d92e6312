"""Times as the reader's organisation reads them: the zone named, deadlines counted."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from digiamen.accounts import time_zones

register = template.Library()


@register.simple_tag
def time_zone_note() -> SafeString:
    """ "Times are in Africa/Casablanca time (UTC+01:00)." for the page's current zone."""
    return format_html(
        gettext("Times are in {zone} time ({offset})."),
        zone=format_html('<bdi dir="ltr">{}</bdi>', timezone.get_current_timezone_name()),
        offset=format_html('<bdi dir="ltr">{}</bdi>', time_zones.offset_label()),
    )


@register.filter
def until(moment: datetime | None) -> str:
    """A deadline counted from now: "in 2 h 10 min", "overdue by 25 min"."""
    return time_zones.relative(moment) if moment else ""
