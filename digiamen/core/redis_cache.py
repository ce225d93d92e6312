"""Django's Redis cache, keeping its client.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call
(its pool is kept, the client object is not), and building one costs about 0.15 ms of CPU
(redis-py fills a table of some 200 response callbacks each time). A report takes four
cache calls (rate limits, the address key), so under a surge those clients cost more CPU
than the calls themselves. A client is thread-safe and tied to its pool alone, so one per
pool is kept and reused; everything else is Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private members (the stubs do not declare them), as its own get_client uses.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
