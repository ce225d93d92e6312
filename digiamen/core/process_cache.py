"""Small per-process caches of rows that rarely change, read on the hot paths (intake under
a surge: every report would otherwise fetch the same routing decision and helplines).

An entry lives ``ttl`` seconds at most. A write in this process clears the cache at once
and again when its transaction commits (``clear_on_write``), so that another thread cannot
keep what it read before the commit; another process sees the change after ``ttl`` seconds
at most. Nothing secret belongs here: the entries are ordinary rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import transaction

V = TypeVar("V")

_all: list[ProcessCache[Any]] = []


class ProcessCache(Generic[V]):
    def __init__(self, ttl: float, limit: int = 1024) -> None:
        self.ttl = ttl
        self.limit = limit
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _all.append(self)

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self._generation
        value = load()
        with self._lock:
            # Cleared while loading: what was loaded may predate the write; not kept.
            if generation == self._generation:
                if len(self._entries) >= self.limit:
                    self._entries.clear()
                self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def clear_on_write(self, *_args: Any, **kwargs: Any) -> None:
        """A signal receiver: clear now and when the writer's transaction commits."""
        self.clear()
        transaction.on_commit(self.clear, using=kwargs.get("using"))


def clear_all() -> None:
    """Every process cache (tests: each test's database starts afresh)."""
    for cache in _all:
        cache.clear()
