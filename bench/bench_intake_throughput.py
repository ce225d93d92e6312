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

import asyncio
import json
import os
import statistics
import threading
import time
from pathlib import Path

from bench.harness import empty_redis_database, machine, record_budget, throwaway_database
from bench.server import served

SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "30"))
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "32"))
# The surge is cut in rounds with the ceiling measured before, between and after them: on a
# shared machine a neighbour's load then weighs on both figures alike.
ROUNDS = max(3, round(SECONDS / 8))
CEILING_SECONDS = 3.0
RAMP_SECONDS = 1.0
BODY = json.dumps(
    {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "narrative": "He threatens to share my photos. " * 30,
    }
).encode()
REQUEST_HEAD = (
    "POST /api/v1/reports HTTP/1.1\r\n"
    "Content-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\n"
    "Connection: close\r\n"
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_part(server: int, consumer: int) -> dict[str, float]:
    """CPU seconds used so far by each part on this machine's cores: the web server (master
    and workers), the queue consumer, PostgreSQL's processes, this bench's clients and
    everything else."""
    parts = dict.fromkeys(("server", "queue", "postgres", "clients", "other"), 0.0)
    server_pids, consumer_pids = set(process_tree(server)), set(process_tree(consumer))
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if pid in server_pids:
            part = "server"
        elif pid in consumer_pids:
            part = "queue"
        elif command.startswith(b"postgres"):
            part = "postgres"
        elif pid == os.getpid():
            part = "clients"
        else:
            part = "other"
        parts[part] += cpu_seconds(pid)
    return parts


def rss_bytes(pids: list[int]) -> int:
    """Resident memory of these processes together."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class MemorySampler(threading.Thread):
    """The peak resident memory of gunicorn's master and workers, every 50 ms. The workers
    are looked up in /proc once a second only: a scan of all /proc every 50 ms took a
    noticeable share of the cores the server is measured on."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.pids = process_tree(root)
        self.peak = 0
        self.idle = rss_bytes(self.pids)
        self.running = True

    def run(self) -> None:
        looked_up = time.monotonic()
        while self.running:
            if time.monotonic() - looked_up > 1:
                self.pids, looked_up = process_tree(self.root), time.monotonic()
            self.peak = max(self.peak, rss_bytes(self.pids))
            time.sleep(0.05)


class Outcomes:
    # A plain class: run.py loads benchmarks outside sys.modules, where dataclasses fail.
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.finished: list[float] = []  # when each report went through (perf_counter)
        self.retried = 0
        self.busy_answers = 0
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def post_once(host: str, port: int) -> tuple[int, float]:
    """The status and, for a 503, the Retry-After in seconds. A bare HTTP/1.1 exchange on a
    new connection, as the served topology closes each one (no keep-alive): the clients
    stand for phones elsewhere, so they cost this machine as little as a client can."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(REQUEST_HEAD + f"Host: {host}:{port}\r\n\r\n".encode() + BODY)
        answer = await reader.read()
    finally:
        writer.close()
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    retry_after = next(
        (line.split(":", 1)[1].strip() for line in head if line.lower().startswith("retry-after:")),
        "",
    )
    return status, float(retry_after) if retry_after.isdigit() else 0.0


async def submit_until_done(host: str, port: int, outcomes: Outcomes) -> None:
    """One report, retried after each honest 503; its latency counts from the first
    attempt."""
    first_attempt = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        try:
            status, retry_after = await asyncio.wait_for(post_once(host, port), timeout=120)
        except (TimeoutError, OSError, IndexError, ValueError) as error:
            outcomes.error(error.__class__.__name__)
            return
        if status == 201:
            outcomes.finished.append(time.perf_counter())
            outcomes.latencies.append(outcomes.finished[-1] - first_attempt)
            outcomes.retried += attempts > 1
            return
        if status == 503 and retry_after > 0 and attempts < 20:
            outcomes.busy_answers += 1
            await asyncio.sleep(retry_after)
            continue
        outcomes.error(f"HTTP {status}")
        return


def surge(base: str, clients: int, seconds: float, outcomes: Outcomes) -> tuple[float, int, float]:
    """``clients`` clients each send reports one after the other for ``seconds``, then
    finish the reports they started. Returns the surge's steady part (its length and the
    reports that went through in it), and the time until the last report went through.

    That part leaves out the first RAMP_SECONDS (nothing has gone through yet: every
    report in the line still waits for its derivation) and the end, when the clients stop
    and the last reports are finished (a worker whose line is empty waits for the other):
    both come of cutting the surge in rounds for the ceiling's sake, not of the server. The
    reports of those parts still count for latency and errors."""
    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def client(end: float) -> None:
        while time.perf_counter() < end:
            await submit_until_done(host, int(port), outcomes)

    async def all_clients() -> None:
        end = time.perf_counter() + seconds
        await asyncio.gather(*(client(end) for _ in range(clients)))

    gone_through = len(outcomes.finished)
    started = time.perf_counter()
    asyncio.run(all_clients())
    steady_from, steady_to = started + RAMP_SECONDS, started + seconds
    steady = [t for t in outcomes.finished[gone_through:] if steady_from <= t < steady_to]
    return steady_to - steady_from, len(steady), time.perf_counter() - started


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
            steady_reports, whole_seconds = 0, 0.0
            steady_seconds_each: list[float] = []
            surge_cpu = dict.fromkeys(("server", "queue", "postgres", "clients", "other"), 0.0)
            for _ in range(ROUNDS):
                ceilings.append(argon2id_ceiling(cores, CEILING_SECONDS))
                cpu_before = cpu_by_part(*started)
                steady_seconds, gone_through, round_seconds = surge(
                    base, CLIENTS, SECONDS / ROUNDS, outcomes
                )
                steady_seconds_each.append(steady_seconds)
                steady_reports += gone_through
                whole_seconds += round_seconds
                for part, used in cpu_by_part(*started).items():
                    surge_cpu[part] += used - cpu_before[part]
            ceilings.append(argon2id_ceiling(cores, CEILING_SECONDS))
            sampler.running = False
            sampler.join()
    # Each round is held to the ceiling measured just before and just after it: a neighbour
    # that slows the machine for a while weighs on the round it overlapped, not on all.
    seconds = sum(steady_seconds_each)
    ceiling = sum(
        steady * (before + after) / 2
        for steady, before, after in zip(steady_seconds_each, ceilings, ceilings[1:], strict=False)
    ) / max(seconds, 1e-9)
    throughput = steady_reports / seconds
    ratio = throughput / ceiling
    latencies = outcomes.latencies or [float("inf")]
    p50 = statistics.median(latencies) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    errors = sum(outcomes.errors.values())
    mib = 1024 * 1024
    print(f"   machine before the surge: {load_before}")
    print(
        f"   Argon2id ceiling ({cores} threads, receipt parameters): {ceiling:6.2f} /s "
        f"(each round against the two beside it: {', '.join(f'{value:.2f}' for value in ceilings)})"
    )
    print(
        f"   PostgreSQL, production gunicorn, {CLIENTS} clients, {seconds:.0f} s: "
        f"{throughput:6.2f} reports/s ({ratio:.2f}x ceiling)  p50 {p50:7.1f} ms  "
        f"p99 {p99:7.1f} ms  errors {errors} {outcomes.errors or ''}"
    )
    print(
        f"   503 answers {outcomes.busy_answers}, reports retried {outcomes.retried}, "
        f"reports {len(outcomes.latencies)} ({len(outcomes.latencies) / whole_seconds:.2f}/s "
        "counting each round's ramp and drain)"
    )
    # Why the ratio is what it is: each report costs its derivation plus the rest of the
    # request, the queue's alerts, PostgreSQL's work and the clients', all on the same cores.
    reports = max(1, len(outcomes.latencies))
    print(
        f"   CPU per report {sum(surge_cpu.values()) / reports * 1000:.1f} ms: "
        + ", ".join(f"{part} {used / reports * 1000:.1f}" for part, used in surge_cpu.items())
        + f" (one derivation alone: {statistics.median(cpu_per_derivation) * 1000:.1f} ms)"
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
