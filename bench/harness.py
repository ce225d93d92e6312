"""Shared by the benchmarks: a throw-away PostgreSQL database, timing pages, the machine.

Each benchmark gets a database of its own, created empty under a name nobody else uses
(``digiamen_bench_<name>_<random>``), handed to the worker through DATABASE_URL and dropped
afterwards whatever happens. No benchmark touches a database it did not create: dropping any
name without that prefix is refused. Without a reachable server the benchmark says so and
skips.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


THROWAWAY_PREFIX = "digiamen_bench_"


def throwaway_name(label: str) -> str:
    """A database name no one else uses: the prefix, the benchmark's label, random hex."""
    if not re.fullmatch(r"[a-z0-9_]{1,30}", label):
        raise ValueError(f"bad label {label!r}")
    return f"{THROWAWAY_PREFIX}{label}_{secrets.token_hex(4)}"


def drop_throwaway(database: str) -> None:
    """Drop a database a benchmark made; any other name is refused, whatever happens."""
    if not re.fullmatch(rf"{THROWAWAY_PREFIX}[a-z0-9_]+_[0-9a-f]{{8}}", database):
        raise ValueError(f"{database!r} was not made by a benchmark: not dropped")
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@contextlib.contextmanager
def throwaway_database(label: str) -> Iterator[str | None]:
    """The URL of a new, empty PostgreSQL database for this benchmark alone (None when no
    server can be reached), dropped when the block ends."""
    database = throwaway_name(label)
    try:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"CREATE DATABASE {database}")
    except Exception as error:
        print(f"   PostgreSQL not reachable ({error.__class__.__name__}): skipped")
        yield None
        return
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    finally:
        drop_throwaway(database)


@contextlib.contextmanager
def empty_redis_database() -> Iterator[str | None]:
    """The URL of a Redis database number nobody uses now (empty), emptied afterwards."""
    import redis

    for number in range(8, 16):
        client = redis.Redis(host="127.0.0.1", port=6379, db=number)
        try:
            if client.dbsize() == 0:
                break
        except redis.RedisError as error:
            print(f"   Redis not reachable ({error.__class__.__name__}): skipped")
            yield None
            return
    else:
        print("   no empty Redis database among 8-15: skipped")
        yield None
        return
    try:
        yield f"redis://127.0.0.1:6379/{number}"
    finally:
        client.flushdb()


def run_worker(script: str, label: str) -> None:
    """Run ``script --worker`` with DATABASE_URL pointing at a database of its own."""
    with throwaway_database(label) as url:
        if url is None:
            return
        env = dict(
            os.environ,
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="digiamen.settings",
            DIGIAMEN_MODE="demo",
            PYTHONPATH=str(ROOT),
        )
        subprocess.run([sys.executable, script, "--worker"], env=env, check=True, cwd=ROOT)


def machine() -> str:
    """The machine the figures were measured on: cores and load, printed beside them."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


def timed_get(client: Any, url: str, repeat: int) -> tuple[list[float], Any]:
    """Sorted server times of ``repeat`` GETs after one warm-up, and the last response."""
    response = client.get(url)
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - begin)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return sorted(samples), response


def p95_ms(samples: list[float]) -> float:
    return samples[int(0.95 * (len(samples) - 1))] * 1000


# Where ``record_budget`` writes its verdicts: set by run.py for the whole run (workers are
# subprocesses, so a file, one JSON object a line). Unset, verdicts are only printed.
VERDICTS_ENV = "BENCH_VERDICTS_FILE"


def record_budget(
    name: str,
    measured: float,
    budget: float,
    unit: str,
    *,
    lower_is_better: bool = True,
    baseline: str = "",
) -> bool:
    """One budget's verdict, for the summary table ``make bench`` prints at the end.

    ``baseline`` is the ratio to a baseline measured in the same run, in words ("1.07x raw
    GROUP BY"), where there is one."""
    met = measured <= budget if lower_is_better else measured >= budget
    row = {
        "name": name,
        "measured": measured,
        "budget": budget,
        "unit": unit,
        "comparison": "<=" if lower_is_better else ">=",
        "met": met,
        "baseline": baseline,
        "machine": machine(),
    }
    target = os.environ.get(VERDICTS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
    return met


def print_page(
    label: str, samples: list[float], queries: int, budget_ms: float, *, max_queries: int = 0
) -> None:
    p95 = p95_ms(samples)
    record_budget(f"{label}: p95", round(p95, 1), budget_ms, "ms")
    if max_queries:
        record_budget(f"{label}: queries", queries, max_queries, "queries")
    flag = "ok" if p95 < budget_ms else "OVER BUDGET"
    print(
        f"   {label:<36} p50 {statistics.median(samples) * 1000:6.1f} ms  "
        f"p95 {p95:6.1f} ms ({p95 / budget_ms:4.0%} of {budget_ms:.0f} ms)  "
        f"{queries:3d} queries  {flag}"
    )
