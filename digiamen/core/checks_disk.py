"""Start-up checks: nothing that must stay in memory reaches a disk the app can see.

* Redis holds the daily key that pseudonymises client addresses (core/clients.py) and the
  rate-limit counters: with RDB snapshots or the append-only file on, that key is written
  to disk and a seized server turns every pseudonym of the day back into an address.
* An access log writes every reporter's address (threat 8 of the design).

Only what the application can see is checked: gunicorn's own configuration (its access
logger, its command line and GUNICORN_CMD_ARGS) and Django's logging. A reverse proxy's log
is out of its sight; docs/operations.md says to turn it off.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from digiamen.core.checks import TAG

ACCESS_LOG_OPTIONS = ("--access-logfile", "--access-logformat")


def redis_persistence(url: str) -> list[CheckMessage]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        save = client.config_get("save").get("save", "")
        appendonly = client.config_get("appendonly").get("appendonly", "no")
    except redis.ResponseError:
        # CONFIG renamed or disabled (a hardened Redis): the operator must vouch for it.
        return [
            Warning(
                "Redis does not answer CONFIG GET, so its persistence cannot be checked.",
                hint='Make sure Redis runs with --save "" --appendonly no: it holds the '
                "daily key that pseudonymises client addresses, which must never reach disk.",
                id="digiamen.W101",
            )
        ]
    except redis.RedisError:
        return [
            Warning(
                "Redis could not be reached to check its persistence.",
                hint="Start Redis before the application (REDIS_URL); it must run with "
                '--save "" --appendonly no.',
                id="digiamen.W102",
            )
        ]
    finally:
        client.close()
    errors: list[CheckMessage] = []
    if str(save).strip():
        errors.append(
            Error(
                "Redis writes snapshots to disk (save is set).",
                hint='Run Redis with --save "" (CONFIG SET save "" and in redis.conf): it '
                "holds the daily key that pseudonymises client addresses.",
                id="digiamen.E101",
            )
        )
    if str(appendonly).strip().lower() == "yes":
        errors.append(
            Error(
                "Redis writes its append-only file to disk (appendonly is yes).",
                hint="Run Redis with --appendonly no (CONFIG SET appendonly no and in "
                "redis.conf): it holds the daily key that pseudonymises client addresses.",
                id="digiamen.E102",
            )
        )
    return errors


def _uses_redis() -> str:
    """The Redis URL of the cache or the queue, or "" when neither is on Redis."""
    cache = settings.CACHES.get("default", {})
    if "redis" in str(cache.get("BACKEND", "")).lower():
        location = cache.get("LOCATION", "")
        return str(location[0] if isinstance(location, list | tuple) else location)
    huey: dict[str, Any] = getattr(settings, "HUEY", {})
    if "redis" in str(huey.get("huey_class", "")).lower():
        return str(huey.get("url", ""))
    return ""


def _named_access_log(args: list[str]) -> bool:
    return any(arg.split("=", 1)[0] in ACCESS_LOG_OPTIONS for arg in args)


def access_logs() -> list[str]:
    """Where an access log is configured, as short non-identifying descriptions."""
    found = []
    # Inside a gunicorn worker its logger is set up before the application is loaded.
    access = logging.getLogger("gunicorn.access")
    if access.handlers and not access.disabled:
        found.append("gunicorn's access logger has a handler")
    if _named_access_log(sys.argv):
        found.append("the command line names an access log")
    try:
        env_args = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    except ValueError:
        env_args = []
    if _named_access_log(env_args):
        found.append("GUNICORN_CMD_ARGS names an access log")
    # runserver's request lines (django.server) are an access log too.
    server = logging.getLogger("django.server")
    if server.handlers and not server.disabled and server.isEnabledFor(logging.INFO):
        found.append("the django.server logger writes request lines")
    return found


@register(TAG)
def nothing_to_disk(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    errors: list[CheckMessage] = []
    url = _uses_redis()
    if url:
        errors += redis_persistence(url)
    for where in access_logs():
        errors.append(
            Error(
                f"An access log is configured: {where}.",
                hint="Remove --access-logfile / --access-logformat (also from "
                "GUNICORN_CMD_ARGS) and any handler of the gunicorn.access or django.server "
                "loggers: reporters' addresses must not be written anywhere.",
                id="digiamen.E103",
            )
        )
    return errors
