"""Each organisation's time zone: staff pages, exports and alerts show its local time.

Times are stored in UTC. A staff request that names an organisation (``get_membership``,
``cases.permissions.get_case``) activates that organisation's zone for the rest of the
request, so Django's templates, forms and ``timezone.localtime`` all read and write local
time; ``core.middleware.LocalTimeMiddleware`` puts the site's zone back after each request.
Work done outside a request (alerts, exports from the queue) asks ``zone_of``.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from digiamen.accounts.models import Organisation
from digiamen.core import months

# The zone of each country of the region, where the country has one (IANA tz database).
COUNTRY_ZONES = {
    "MA": "Africa/Casablanca",
    "EH": "Africa/El_Aaiun",
    "DZ": "Africa/Algiers",
    "TN": "Africa/Tunis",
    "LY": "Africa/Tripoli",
    "EG": "Africa/Cairo",
    "SD": "Africa/Khartoum",
    "MR": "Africa/Nouakchott",
    "JO": "Asia/Amman",
    "LB": "Asia/Beirut",
    "SY": "Asia/Damascus",
    "IQ": "Asia/Baghdad",
    "PS": "Asia/Gaza",
    "SA": "Asia/Riyadh",
    "YE": "Asia/Aden",
    "OM": "Asia/Muscat",
    "AE": "Asia/Dubai",
    "QA": "Asia/Qatar",
    "BH": "Asia/Bahrain",
    "KW": "Asia/Kuwait",
    "TR": "Europe/Istanbul",
    "DJ": "Africa/Djibouti",
    "SO": "Africa/Mogadishu",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
}


@functools.cache
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid(name: str) -> bool:
    return name in available()


def default_for(country: str) -> str:
    """The zone of a country of the region; the site's zone elsewhere."""
    return COUNTRY_ZONES.get(country.upper(), str(settings.TIME_ZONE))


def zone_name(organisation: Organisation) -> str:
    name = organisation.time_zone or default_for(organisation.country)
    return name if is_valid(name) else str(settings.TIME_ZONE)


def zone_of(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(zone_name(organisation))


def activate(organisation: Organisation) -> None:
    """The organisation's local time, and its country's month names, for the rest of this
    request."""
    timezone.activate(zone_of(organisation))
    months.activate_country(organisation.country)


def local(moment: datetime, organisation: Organisation) -> datetime:
    return moment.astimezone(zone_of(organisation))


def offset_label(moment: datetime | None = None) -> str:
    """``UTC+01:00`` for the current zone at ``moment`` (now): what a reader compares."""
    offset = timezone.localtime(moment or timezone.now()).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def choices() -> list[tuple[str, str]]:
    """The region's zones first, then every other zone, for the settings page."""
    region = sorted(set(COUNTRY_ZONES.values()))
    others = sorted(name for name in available() if name not in set(region) and "/" in name)
    return [(name, name) for name in [*region, "UTC", *others]]


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    days = round(hours / 24)
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def relative(moment: datetime, now: datetime | None = None) -> str:
    """A deadline as a reader counts it: "in 2 h 10 min", "overdue by 25 min"."""
    seconds = (moment - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return gettext("in %(duration)s") % {"duration": _duration(seconds)}
    return gettext("overdue by %(duration)s") % {"duration": _duration(-seconds)}
