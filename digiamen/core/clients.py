"""Per-client rate limiting without keeping client addresses.

A client is known only by an HMAC of its address under a random key that changes every
day and lives only in the cache (memory, or Redis without persistence): yesterday's
pseudonyms cannot be linked to an address, and nothing on disk holds one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


def client_address(request: HttpRequest) -> str:
    """The address of the client, trusting only as many proxies as the operator declared."""
    if settings.TRUSTED_PROXY_COUNT > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= settings.TRUSTED_PROXY_COUNT:
            return forwarded[-settings.TRUSTED_PROXY_COUNT]
    return str(request.META.get("REMOTE_ADDR", ""))


# This process's copy of the day's key, read again after a minute: every rate-limited
# request needs it, and the cache is where it lives (a cache that lost it makes a new one,
# which every process takes within the minute).
_daily_key_copy: tuple[str, float, bytes] = ("", 0.0, b"")
DAILY_KEY_COPY_SECONDS = 60


def _daily_key() -> bytes:
    global _daily_key_copy
    day = timezone.now().date().isoformat()
    copied_day, copied_at, copy = _daily_key_copy
    if copied_day == day and time.monotonic() - copied_at < DAILY_KEY_COPY_SECONDS:
        return copy
    cache_key = f"client-pseudonym-key:{day}"
    key = cache.get(cache_key)
    if key is None:
        cache.add(cache_key, secrets.token_bytes(32), timeout=2 * 24 * 3600)
        key = cache.get(cache_key)
    _daily_key_copy = (day, time.monotonic(), bytes(key))
    return bytes(key)


def forget_daily_key_copy() -> None:
    """Tests: each starts with an empty cache, so with no copy of its key either."""
    global _daily_key_copy
    _daily_key_copy = ("", 0.0, b"")


def client_pseudonym(request: HttpRequest) -> str:
    address = client_address(request).encode()
    return hmac.new(_daily_key(), address, hashlib.sha256).hexdigest()[:32]


def daily_pseudonym(value: str) -> str:
    """Another rate-limit subject that must not sit in the cache as it is (the first digits
    of a typed receipt), under the same daily key."""
    return hmac.new(_daily_key(), b"subject:" + value.encode(), hashlib.sha256).hexdigest()[:32]


class RateLimit:
    """A fixed-window counter in the cache: ``limit`` events per ``window`` seconds.

    With ``hold``, the event that reaches the limit keeps the counter for ``hold`` seconds
    from that moment: a lock then lasts its full time, however late in the window it began.
    """

    def __init__(self, name: str, limit: int, window: int, *, hold: int | None = None) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self.hold = hold

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self.name}:{subject}"

    def exceeded(self, subject: str) -> bool:
        return int(cache.get(self._key(subject), 0)) >= self.limit

    def hit(self, subject: str) -> int:
        key = self._key(subject)
        try:
            count = int(cache.incr(key))  # one call while the window runs
        except ValueError:  # the window's first event (or it expired meanwhile)
            if cache.add(key, 1, timeout=self.window):
                count = 1
            else:  # another request opened the window first
                try:
                    count = int(cache.incr(key))
                except ValueError:
                    cache.set(key, 1, timeout=self.window)
                    count = 1
        if self.hold is not None and count == self.limit:
            cache.touch(key, self.hold)
        return count

    def reset(self, subject: str) -> None:
        cache.delete(self._key(subject))


def login_failures() -> RateLimit:
    return RateLimit(
        "login-failures", settings.LOGIN_CLIENT_FAILURES, settings.LOGIN_CLIENT_WINDOW_SECONDS
    )
