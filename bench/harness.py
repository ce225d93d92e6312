"""Shared by the benchmarks: a throw-away PostgreSQL database, and timing pages.

The database is created empty, handed to the worker through DATABASE_URL, and dropped
afterwards whatever happens; without a reachable server the benchmark says so and skips.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def run_worker(script: str, database: str) -> None:
    """Run ``script --worker`` with DATABASE_URL pointing at a fresh ``database``."""
    try:
        import psycopg

        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {database}")
    except Exception as error:
        print(f"   PostgreSQL not reachable ({error.__class__.__name__}): skipped")
        return
    env = dict(
        os.environ,
        DATABASE_URL=ADMIN_URL.rsplit("/", 1)[0] + f"/{database}",
        DJANGO_SETTINGS_MODULE="digiamen.settings",
        DIGIAMEN_MODE="demo",
        PYTHONPATH=str(ROOT),
    )
    try:
        subprocess.run([sys.executable, script, "--worker"], env=env, check=True, cwd=ROOT)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


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


def print_page(label: str, samples: list[float], queries: int, budget_ms: float) -> None:
    p95 = p95_ms(samples)
    flag = "ok" if p95 < budget_ms else "OVER BUDGET"
    print(
        f"   {label:<36} p50 {statistics.median(samples) * 1000:6.1f} ms  "
        f"p95 {p95:6.1f} ms ({p95 / budget_ms:4.0%} of {budget_ms:.0f} ms)  "
        f"{queries:3d} queries  {flag}"
    )
