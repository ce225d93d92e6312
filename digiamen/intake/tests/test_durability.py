"""No acknowledged report is ever lost: kill the server in the middle of submissions.

A real gunicorn serves a fresh SQLite database under a temporary var/; eight clients
submit reports through the API; the server is killed with SIGKILL; then it is started
again and every receipt that was handed out must open its mailbox, and every stored
report must be whole.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(var: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO", "DIGIAMEN", "DATABASE", "PYTEST"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "digiamen.settings",
            "DIGIAMEN_MODE": "test",
            "DIGIAMEN_VAR_DIR": str(var),
            "RECEIPT_KDF_OPSLIMIT": "1",
            "RECEIPT_KDF_MEMLIMIT": "8192",
            "FOLLOWUP_MIN_SECONDS": "0",
            "INTAKE_REPORTS_PER_HOUR": "100000",
        }
    )
    return env


def manage(var: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment(var),
        check=True,
        capture_output=True,
        timeout=120,
    )


def start_server(var: Path, port: int, log: Path | None = None) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "digiamen.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
        ],
        cwd=settings.BASE_DIR,
        env=environment(var),
        stdout=log.open("ab") if log else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not start")


def post_json(url: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_killed_server_loses_no_acknowledged_report(tmp_path: Path) -> None:
    var = tmp_path / "var"
    manage(var, "migrate", "--noinput")
    manage(var, "create_organisation", "--slug", "amane", "--name", "Amane", "--country", "MA")
    port = free_port()
    log = tmp_path / "server.log"
    server = start_server(var, port, log)
    receipts: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int) -> None:
        sent = 0
        while not stop.is_set():
            sent += 1
            try:
                status, body = post_json(
                    f"http://127.0.0.1:{port}/api/v1/reports",
                    {
                        "harm_types": ["sexual_extortion"],
                        "country": "MA",
                        "narrative": f"client {number} report {sent} " + "x" * 500,
                    },
                )
            except (OSError, http.client.HTTPException):
                continue  # the server is gone: this report was never acknowledged
            if status == 201:
                with lock:
                    receipts.append(str(body["receipt"]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert len(receipts) >= 5, "too few reports went through before the kill to prove anything"

    database = sqlite3.connect(var / "digiamen.sqlite3")
    rows = database.execute(
        "SELECT length(sealed_key), length(narrative), length(reporter_summary), "
        "length(receipt_lookup), length(mailbox_public_key) FROM intake_report"
    ).fetchall()
    database.close()
    assert len(rows) >= len(receipts)
    for row in rows:
        assert all(length and length > 0 for length in row), row

    server = start_server(var, port, log)
    try:
        for receipt in receipts:
            status, _body = post_json(
                f"http://127.0.0.1:{port}/api/v1/followup/session", {"receipt": receipt}
            )
            assert status == 201, receipt
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    # The server's own output never names a client address (no access log).
    output = [
        line for line in log.read_text(errors="replace").splitlines() if "Listening at" not in line
    ]
    assert output, "the server wrote nothing at all: is the log captured?"
    assert not any("127.0.0.1" in line for line in output), output
