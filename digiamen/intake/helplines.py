"""The helplines shown to a child after a report, read once per country every few seconds
per process instead of once per report (intake under a surge)."""

from __future__ import annotations

from digiamen.core.process_cache import ProcessCache
from digiamen.intake.models import Helpline

# Changes clear it in the process that makes them (intake.apps); the others follow within
# this many seconds.
HELPLINES_CACHE_SECONDS = 30.0
_helplines = ProcessCache[tuple[Helpline, ...]](ttl=HELPLINES_CACHE_SECONDS)


def helplines_for(country: str) -> tuple[Helpline, ...]:
    if not country:
        return ()
    return _helplines.get_or_load(country, lambda: tuple(Helpline.objects.filter(country=country)))


def clear_on_write(*args: object, **kwargs: object) -> None:
    _helplines.clear_on_write(*args, **kwargs)
