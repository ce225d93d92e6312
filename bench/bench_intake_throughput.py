"""Intake under a surge (budgets issue #25): reports per second, latency and server memory
with 32 clients posting through the API to the production topology, against the
Argon2id ceiling of this machine measured in the same run.

Each report costs one Argon2id derivation (64 MiB) for its receipt, by design: that is
what makes a stolen database useless for finding reporters' mailboxes. So the ceiling is
how many receipt derivations a second the machine does with one thread per core, and the
budget is intake within 10 % of it, p99 < 3 s, no errors.

Clients behave like the API's documented clients: a 503 with Retry-After (every key
derivation slot taken) is waited out and the same report sent again; its latency counts
from the first attempt to the success. Any other final answer than 201 is an error.

BENCH_INTAKE_SECONDS (default 30) sets how long the clients post; BENCH_INTAKE_CLIENTS
(default 32) how many.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.harness import empty_redis_database, machine, record_budget, throwaway_database
from bench.server import served

SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "32"))
# The surge is cut in rounds with the ceiling measured before, between and after them: on a
# shared machine a neighbour's load then weighs on both figures alike.
ROUNDS = max(3, round(SECONDS / 8))
CEILING_SECONDS = 3.0
BODY = json.dumps(
    {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "narrative": "He threatens to share my photos. " * 30,
    }
).encode()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


cpu_per_derivation: list[float] = []
cpu_lock = threading.Lock()


def argon2id_ceiling(threads: int, seconds: float) -> float:
    """Receipt derivations per second with ``threads`` threads deriving side by side, with
    the receipt's own parameters (libsodium releases the GIL while it derives)."""
    import nacl.pwhash
    from django.conf import settings

    salt = os.urandom(nacl.pwhash.argon2id.SALTBYTES)
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def derive(index: int) -> None:
        cpu_before = time.thread_time()
        while time.perf_counter() < stop:
            nacl.pwhash.argon2id.kdf(
                32,
                b"123456789012345678901234",
                salt,
                opslimit=settings.RECEIPT_KDF_OPSLIMIT,
                memlimit=settings.RECEIPT_KDF_MEMLIMIT,
            )
            done[index] += 1
        with cpu_lock:
            cpu_per_derivation.append((time.thread_time() - cpu_before) / max(1, done[index]))

    workers = [threading.Thread(target=derive, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - started)


def process_tree(root: int) -> list[int]:
    """A process and its children (gunicorn's master and workers)."""
    pids = [root]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == root:
            pids.append(int(entry.name))
    return pids


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its children."""
    total = 0.0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class MemorySampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.idle = tree_rss_bytes(root)
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            time.sleep(0.05)


class Outcomes:
    # A plain class: run.py loads benchmarks outside sys.modules, where dataclasses fail.
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.retried = 0
        self.busy_answers = 0
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def post_once(base: str) -> tuple[int, float]:
    """The status and, for a 503, the Retry-After in seconds."""
    request = urllib.request.Request(
        base + "/api/v1/reports", BODY, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return response.status, 0.0
    except urllib.error.HTTPError as answer:
        answer.read()
        retry_after = answer.headers.get("Retry-After", "")
        return answer.code, float(retry_after) if retry_after.isdigit() else 0.0


def submit_until_done(base: str, outcomes: Outcomes) -> tuple[bool, float]:
    """One report, retried after each honest 503; whether it went through and when it
    started (first attempt)."""
    first_attempt = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        try:
            status, retry_after = post_once(base)
        except OSError as error:
            outcomes.error(error.__class__.__name__)
            return False, first_attempt
        if status == 201:
            with outcomes.lock:
                outcomes.latencies.append(time.perf_counter() - first_attempt)
                outcomes.retried += attempts > 1
            return True, first_attempt
        if status == 503 and retry_after > 0 and attempts < 20:
            with outcomes.lock:
                outcomes.busy_answers += 1
            time.sleep(retry_after)
            continue
        outcomes.error(f"HTTP {status}")
        return False, first_attempt


def surge(base: str, clients: int, seconds: float, outcomes: Outcomes) -> float:
    """``clients`` clients each send reports one after the other for ``seconds``, then
    finish the reports they started. Returns the time until the last one went through:
    throughput is the reports over that time (the server worked for all of it)."""
    started = time.perf_counter()
    end = started + seconds

    def client() -> None:
        while time.perf_counter() < end:
            submit_until_done(base, outcomes)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digiamen.settings")
    django.setup()
    cores = os.cpu_count() or 1
    with throwaway_database("intake") as postgres_url, empty_redis_database() as redis_url:
        if postgres_url is None or redis_url is None:
            return
        started: list[int] = []
        # The production topology whole: the queue consumer runs beside gunicorn on the same
        # cores (the new-report alerts are its work), on Redis as deployed.
        with served(
            database_url=postgres_url,
            production=True,
            started=started,
            queue=True,
            REDIS_URL=redis_url,
        ) as base:
            # Warm-up: each worker connects and reads the salt; then let the machine settle.
            surge(base, 4, 1.0, Outcomes())
            time.sleep(2)
            load_before = machine()
            outcomes = Outcomes()
            sampler = MemorySampler(started[0])
            sampler.start()
            ceilings = []
            seconds = server_cpu = 0.0
            for _ in range(ROUNDS):
                ceilings.append(argon2id_ceiling(cores, CEILING_SECONDS))
                cpu_before = tree_cpu_seconds(started[0])
                seconds += surge(base, CLIENTS, SECONDS / ROUNDS, outcomes)
                server_cpu += tree_cpu_seconds(started[0]) - cpu_before
            ceilings.append(argon2id_ceiling(cores, CEILING_SECONDS))
            sampler.running = False
            sampler.join()
    ceiling = statistics.mean(ceilings)
    throughput = len(outcomes.latencies) / seconds
    ratio = throughput / ceiling
    latencies = outcomes.latencies or [float("inf")]
    p50 = statistics.median(latencies) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    errors = sum(outcomes.errors.values())
    mib = 1024 * 1024
    print(f"   machine before the surge: {load_before}")
    print(
        f"   Argon2id ceiling ({cores} threads, receipt parameters): {ceiling:6.2f} /s "
        f"(mean of {', '.join(f'{value:.2f}' for value in ceilings)})"
    )
    print(
        f"   PostgreSQL, production gunicorn, {CLIENTS} clients, {seconds:.0f} s: "
        f"{throughput:6.2f} reports/s ({ratio:.2f}x ceiling)  p50 {p50:7.1f} ms  "
        f"p99 {p99:7.1f} ms  errors {errors} {outcomes.errors or ''}"
    )
    print(
        f"   503 answers {outcomes.busy_answers}, reports retried {outcomes.retried}, "
        f"reports {len(outcomes.latencies)}"
    )
    # Why the ratio is what it is: each report costs the server its derivation plus the
    # rest of the request (PostgreSQL's own CPU not counted), on the same cores.
    reports = max(1, len(outcomes.latencies))
    print(
        f"   server CPU per report {server_cpu / reports * 1000:.0f} ms "
        f"(one derivation alone: {statistics.median(cpu_per_derivation) * 1000:.0f} ms)"
    )
    print(
        f"   server memory (master + workers RSS): idle {sampler.idle / mib:.0f} MiB, "
        f"peak {sampler.peak / mib:.0f} MiB"
    )
    baseline = f"{ratio:.2f}x Argon2id ceiling ({ceiling:.1f}/s)"
    record_budget(
        "intake surge: throughput / Argon2id ceiling",
        round(ratio, 3),
        0.9,
        "x",
        lower_is_better=False,
        baseline=baseline,
    )
    record_budget(f"intake surge: p99 at {CLIENTS} clients", round(p99, 1), 3000, "ms")
    record_budget("intake surge: errors", errors, 0, "errors")
    record_budget(
        "intake surge: peak server memory",
        round(sampler.peak / mib),
        budget_memory_mib(sampler.idle),
        "MiB",
        baseline=f"idle {sampler.idle / mib:.0f} MiB",
    )


def budget_memory_mib(idle_bytes: int) -> int:
    """The memory bound of docs/operations.md: idle, plus processes x KDF_CONCURRENCY
    derivations of the receipt's memory cost (as the served settings compute them), plus
    64 MiB for requests in flight."""
    from django.conf import settings

    from bench.server import production_topology

    processes = int(production_topology(0)[1]["WEB_CONCURRENCY"])
    per_process = int(os.environ.get("KDF_CONCURRENCY", max(1, (os.cpu_count() or 1) // processes)))
    derivations = processes * per_process * settings.RECEIPT_KDF_MEMLIMIT
    return round((idle_bytes + derivations) / (1024 * 1024)) + 64
