"""With REDIS_URL, the queue and the cache move to Redis (several application machines)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from digiamen.tests.support import spare_redis_url


@pytest.mark.needs("redis")
def test_queue_and_cache_use_redis(tmp_path: Path) -> None:
    code = (
        "import django; django.setup()\n"
        "from django.core.cache import cache\n"
        "from huey.contrib.djhuey import HUEY\n"
        "from digiamen.accounts.tasks import purge_expired_credentials\n"
        "cache.set('digiamen-redis-check', 42, 10)\n"
        "assert cache.get('digiamen-redis-check') == 42\n"
        # One Redis client serves every call (Django's own builds one per call).
        "client = cache._cache.get_client(write=True)\n"
        "assert cache.incr('digiamen-redis-check') == 43\n"
        "assert cache._cache.get_client() is client\n"
        "cache.delete('digiamen-redis-check')\n"
        # incr is one script call: a missing key is an error and stays missing.
        "try:\n"
        "    cache.incr('digiamen-redis-missing')\n"
        "    raise SystemExit('incr made a counter of a missing key')\n"
        "except ValueError:\n"
        "    pass\n"
        "assert cache.get('digiamen-redis-missing') is None\n"
        # A rate limit counts with it and its window expires.
        "from digiamen.core.clients import RateLimit\n"
        "limit = RateLimit('redis-check', 3, 30)\n"
        "assert [limit.hit('s') for _ in range(4)] == [1, 2, 3, 4]\n"
        "assert limit.exceeded('s')\n"
        "assert 0 < client.ttl(cache.make_key('ratelimit:redis-check:s')) <= 30\n"
        "limit.reset('s')\n"
        "HUEY.flush()\n"
        "purge_expired_credentials()\n"
        "print(type(HUEY).__name__, HUEY.pending_count())\n"
        "HUEY.flush()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DIGIAMEN"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "digiamen.settings",
            "DIGIAMEN_MODE": "demo",
            "DIGIAMEN_VAR_DIR": str(tmp_path),
            "REDIS_URL": spare_redis_url(),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisHuey", "1"]  # the job waits in Redis for a consumer
