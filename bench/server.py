"""A real gunicorn serving a throw-away var/ (and database) for benchmarks."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")


UNIT = ROOT / "deploy" / "systemd" / "digiamen-app@.service"
QUEUE_UNIT = ROOT / "deploy" / "systemd" / "digiamen-queue.service"
INSTALLER = ROOT / "deploy" / "install.sh"


def production_topology(port: int) -> tuple[list[str], dict[str, str]]:
    """gunicorn's arguments and the environment the shipped systemd unit gives it (workers
    as install.sh's default), bound to ``port``: the production topology, read from
    deploy/, not copied."""
    unit = UNIT.read_text()
    workers = re.search(r"^DOMAIN=.*\bWORKERS=(\d+)", INSTALLER.read_text(), re.MULTILINE)
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.MULTILINE)
    if exec_start is None or workers is None:
        raise RuntimeError("cannot read gunicorn's command line from deploy/")

    def rendered(text: str) -> str:
        return text.replace("@WORKERS@", workers.group(1)).replace("%i", str(port))

    words = [rendered(word) for word in exec_start.group(1).split()[1:]]  # [0]: the program
    environment = dict(
        rendered(line.removeprefix("Environment=")).split("=", 1)
        for line in unit.splitlines()
        if line.startswith("Environment=")
    )
    return words, environment


def queue_command() -> list[str]:
    """The queue consumer's command line as the shipped unit runs it (this venv's Python)."""
    exec_start = re.search(r"^ExecStart=(.+)$", QUEUE_UNIT.read_text(), re.MULTILINE)
    if exec_start is None:
        raise RuntimeError("cannot read the queue consumer's command line from deploy/")
    return [PYTHON, *exec_start.group(1).split()[1:]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(var: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DIGIAMEN", "DATABASE"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "digiamen.settings",
            "DIGIAMEN_MODE": "demo",
            "DIGIAMEN_VAR_DIR": str(var),
            "INTAKE_REPORTS_PER_HOUR": "1000000",
            "INTAKE_DRAFTS_PER_HOUR": "1000000",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def run_python(env: dict[str, str], code: str) -> str:
    """Run ``code`` with ``manage.py shell`` in ``env``; what it printed."""
    return subprocess.run(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout


@contextmanager
def served(
    database_url: str = "",
    workers: int = 2,
    threads: int = 16,
    *,
    production: bool = False,
    started: list[int] | None = None,
    setup: str = "",
    queue: bool = False,
    **extra: str,
) -> Iterator[str]:
    """A gunicorn on a free port; ``production`` runs it with the shipped unit's arguments
    instead of ``workers`` x ``threads``. ``started`` receives the master's process id.
    ``setup``: Python run by ``manage.py shell`` instead of making the organisation "bench"
    (its output is printed); ``queue``: the queue consumer runs beside, as deployed."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp), database_url, **extra)
        port = free_port()
        if production:
            arguments, unit_environment = production_topology(port)
            env.update(unit_environment)
        else:
            arguments = [
                "digiamen.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
            ]
        manage(env, "migrate", "--noinput")
        if setup:
            print(run_python(env, setup), end="")
        else:
            manage(
                env, "create_organisation", "--slug", "bench", "--name", "Bench", "--country", "MA"
            )
        consumer = (
            subprocess.Popen(
                queue_command(),
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            if queue
            else None
        )
        process = subprocess.Popen(
            [GUNICORN, *arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        if started is not None:
            started.append(process.pid)
            if consumer is not None:
                started.append(consumer.pid)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/robots.txt", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
            if consumer is not None:
                os.killpg(consumer.pid, signal.SIGTERM)
                consumer.wait(timeout=30)
