"""Intake throughput: reports per second and p50/p99 latency at 1, 8 and 32 concurrent
clients through the API on a real server, on SQLite and on PostgreSQL, and the ratio to a
plain INSERT of rows of the same size on the same database at the same concurrency.

Each report costs one Argon2id derivation (64 MiB) for its receipt, by design: that is
what makes a stolen database useless for finding reporters' mailboxes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable

from bench.harness import throwaway_database
from bench.server import served

REPORTS_PER_CLIENT = {1: 20, 8: 8, 32: 3}
BODY = json.dumps(
    {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "narrative": "He threatens to share my photos. " * 30,
    }
).encode()


def run_clients(
    clients: int, per_client: int, call: Callable[[], None]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            call()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def submit(base: str) -> Callable[[], None]:
    def call() -> None:
        request = urllib.request.Request(
            base + "/api/v1/reports", BODY, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            if response.status != 201:
                raise RuntimeError(response.status)

    return call


def plain_insert(database_url: str, sqlite_path: str) -> Callable[[], None]:
    row = (os.urandom(100), os.urandom(1100), os.urandom(200), os.urandom(32).hex())
    if database_url:
        import psycopg

        local = threading.local()

        def pg_call() -> None:
            if not hasattr(local, "conn"):
                local.conn = psycopg.connect(
                    database_url.replace("postgresql://", "postgresql://", 1), autocommit=True
                )
                local.conn.execute(
                    "CREATE TABLE IF NOT EXISTS bench_plain (a bytea, b bytea, c bytea, d text)"
                )
            local.conn.execute("INSERT INTO bench_plain VALUES (%s, %s, %s, %s)", row)

        return pg_call
    local_sqlite = threading.local()

    def sqlite_call() -> None:
        if not hasattr(local_sqlite, "conn"):
            conn = sqlite3.connect(sqlite_path, timeout=20, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("CREATE TABLE IF NOT EXISTS bench_plain (a BLOB, b BLOB, c BLOB, d TEXT)")
            local_sqlite.conn = conn
        local_sqlite.conn.execute("BEGIN IMMEDIATE")
        local_sqlite.conn.execute("INSERT INTO bench_plain VALUES (?, ?, ?, ?)", row)
        local_sqlite.conn.execute("COMMIT")

    return sqlite_call


def main() -> None:
    with throwaway_database("intake") as postgres_url:
        databases = [("SQLite", "")] + ([("PostgreSQL", postgres_url)] if postgres_url else [])
        run_on(databases)


def run_on(databases: list[tuple[str, str]]) -> None:
    for name, url in databases:
        with served(database_url=url, workers=2, threads=16) as base:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                insert = plain_insert(url, f"{tmp}/plain.sqlite3")
                for clients, per_client in REPORTS_PER_CLIENT.items():
                    elapsed, latencies = run_clients(clients, per_client, submit(base))
                    rate = len(latencies) / elapsed
                    insert_elapsed, _ = run_clients(clients, per_client * 20, insert)
                    insert_rate = clients * per_client * 20 / insert_elapsed
                    print(
                        f"   {name:<10} {clients:>2} clients: {rate:7.1f} reports/s  "
                        f"p50 {statistics.median(latencies) * 1000:7.1f} ms  "
                        f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms  | plain INSERT "
                        f"{insert_rate:8.0f} rows/s  ratio {rate / insert_rate:.4f}"
                    )
