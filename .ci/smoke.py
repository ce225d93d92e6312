"""What a newcomer does with the README, on a clone with nothing beside it.

`make run` from bare (time to the first page), then through the API as staff would: a demo
caseworker signs in with a TOTP code, a report is submitted, the demo supervisor reads the
case back; the server is stopped and started again (time of a second start, budget 10 s).
Standard library only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SECOND_START_BUDGET = 10.0  # seconds, from `make run` to the first page (issue 15)
FIRST_START_LIMIT = 30 * 60.0  # a bare clone installs and builds everything first


def expect(condition: object, detail: object) -> None:
    if not condition:
        sys.exit(f"smoke test failed: {detail}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(url: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


class Server:
    """`make run` in its own process group, so stopping it stops gunicorn and the queue."""

    def __init__(self, clone: Path, port: int, log: Path) -> None:
        self.clone, self.port, self.log = clone, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, limit: float) -> float:
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["make", "run"],
                cwd=self.clone,
                env={**os.environ, "PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.monotonic() - started < limit:
            if self.process.poll() is not None:
                sys.exit(f"make run stopped with {self.process.returncode}; see {self.log}")
            try:
                status, _ = request(f"http://127.0.0.1:{self.port}/en/")
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"make run did not serve /en/ within {limit:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def totp(clone: Path, username: str) -> str:
    """The code the demo member's authenticator shows, as the README says to get it."""
    command = [".venv/bin/python", "manage.py", "demo_totp", username]
    return subprocess.run(
        command, cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()


def sign_in(base: str, clone: Path, user: dict[str, str]) -> str:
    body = {"username": user["username"], "password": user["password"]}
    status, answer = request(
        f"{base}/api/v1/auth/login", {**body, "otp": totp(clone, body["username"])}
    )
    if status != 200:
        sys.exit(f"sign-in of {user['username']} answered {status}: {answer}")
    return str(answer["token"])


def walk_through(base: str, clone: Path) -> None:
    credentials = json.loads((clone / "var" / "demo-credentials.json").read_text())
    users = {u["username"]: u for u in credentials["users"]}

    caseworker = sign_in(base, clone, users["ma-caseworker"])
    status, me = request(f"{base}/api/v1/auth/me", token=caseworker)
    expect(status == 200 and me["role"] == "caseworker", (status, me))
    print("  demo caseworker signed in through the API with a TOTP code")

    marker = f"CI smoke report {secrets.token_hex(6)}"
    report = {
        "harm_types": ["sexual_extortion"],
        "country": "MA",
        "age_band": "12_14",
        "narrative": marker,
        "consent_statistics": True,
    }
    status, receipt = request(f"{base}/api/v1/reports", report)
    expect(status == 201 and receipt["receipt"], (status, receipt))
    print("  report submitted through POST /api/v1/reports (receipt received)")

    supervisor = sign_in(base, clone, users["ma-supervisor"])
    status, cases = request(f"{base}/api/v1/cases?channel=api", token=supervisor)
    expect(status == 200 and cases["results"], (status, cases))
    newest = max(cases["results"], key=lambda case: case["created_at"])
    status, case = request(f"{base}/api/v1/cases/{newest['number']}", token=supervisor)
    expect(status == 200 and case["narrative"] == marker, (status, newest["number"]))
    expect(case["harm_types"] == ["sexual_extortion"], case["harm_types"])
    print(f"  demo supervisor read case {newest['number']} back, report text intact")


def main() -> None:
    clone = Path(sys.argv[1]).resolve()
    expect(not (clone / ".venv").exists(), "the clone must be bare")
    port = free_port()
    server = Server(clone, port, clone.parent / "make-run.log")
    try:
        first = server.start(FIRST_START_LIMIT)
        print(f"first serve from a bare clone: {first:.1f} s (make run, port {port})")
        walk_through(f"http://127.0.0.1:{port}", clone)
        server.stop()
        second = server.start(SECOND_START_BUDGET * 3)
        print(f"second start: {second:.1f} s (budget {SECOND_START_BUDGET:.0f} s)")
    finally:
        server.stop()
    if second > SECOND_START_BUDGET:
        sys.exit(
            f"a second make run took {second:.1f} s, over the {SECOND_START_BUDGET:.0f} s budget"
        )


if __name__ == "__main__":
    main()
