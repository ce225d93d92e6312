"""Django's Redis cache, keeping its client.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call
(its pool is kept, the client object is not), and building one costs about 0.15 ms of CPU
(redis-py fills a table of some 200 response callbacks each time). A report takes four
cache calls (rate limits, the address key), so under a surge those clients cost more CPU
than the calls themselves. A client is thread-safe and tied to its pool alone, so one per
pool is kept and reused; everything else is Django's.

``incr`` is one round trip (a script that increments only a key that exists) instead of
Django's two (EXISTS, then INCRBY): a rate limit counts every report.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# Django's incr: a missing key is an error, never a new counter without its expiry.
INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._incr_script: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private members (the stubs do not declare them), as its own get_client uses.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client

    def incr(self, key: Any, delta: int) -> Any:
        client = self.get_client(key, write=True)
        script = self._incr_script.get(id(client))
        if script is None:
            script = self._incr_script[id(client)] = client.register_script(INCR_EXISTING)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
