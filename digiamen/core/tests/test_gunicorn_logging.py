"""gunicorn, as this project starts it, logs no address and no content of a request it
refuses (a malformed or oversized request used to log ``Invalid request from ip=…``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROGUE_HEADER = "Authorization: Bearer " + "SECRETCONTENT" * 3500  # 45 KB, over gunicorn's limit


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def raw_request(port: int, text: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(text.encode())
        return connection.recv(200)


def test_a_refused_request_leaves_no_address_or_content_in_the_log(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DIGIAMEN"))},
        "DJANGO_SETTINGS_MODULE": "digiamen.test_settings",
        "DIGIAMEN_VAR_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "digiamen.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--error-logfile", str(log),
         "--log-level", "warning", "--logger-class",
         "digiamen.core.gunicorn_logging.AddressFreeLogger"],
        cwd=settings.BASE_DIR,
        env=environment,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        answer = raw_request(port, f"GET /healthz HTTP/1.1\r\nHost: x\r\n{ROGUE_HEADER}\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 4")
        raw_request(port, "NOT-HTTP \x01\x02\r\n\r\n")
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Invalid request refused (its address and content are not logged)" in text
    assert "127.0.0.1:" not in text.replace(f"127.0.0.1:{port}", "")  # only the bind address
    assert "ip=" not in text and "SECRETCONTENT" not in text
