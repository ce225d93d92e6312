"""What the test suite needs from the machine, and where its test data lives.

Tests that need something outside Python (a browser, a server, a tool) say so with
``@pytest.mark.needs("chromium")``. The suite's conftest turns a missing need into a skip
with a reason that says how to install it, prints every skipped group at the end of the run,
and, in CI (``CI=true``), fails such a test instead: CI installs all of them, so a skip there
would hide a gap.

A pytest plugin (``-p digiamen.tests.support`` in pyproject.toml), never imported by the
application: the runtime-import check leaves it out.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import shutil
import socket
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
TESTDATA_DIR = PROJECT_DIR / "testdata"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def vectors_path(*parts: str) -> Path:
    """A file of the published test vectors copied into testdata/ (see its README)."""
    return TESTDATA_DIR.joinpath(*parts)


def spare_redis_url() -> str:
    """The Redis database tests may fill and flush: DIGIAMEN_TEST_REDIS_DB (default 12).
    CI runs the SQLite and PostgreSQL suites side by side, each with a number of its own."""
    return f"redis://127.0.0.1:6379/{int(os.environ.get('DIGIAMEN_TEST_REDIS_DB', '12'))}"


@contextlib.contextmanager
def redis_server_config_lock() -> Iterator[None]:
    """Held while a test changes the Redis server's own settings (one for every database):
    a suite running beside this one must not see them changed under it."""
    with open(Path(tempfile.gettempdir()) / "digiamen-redis-config.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _port_open(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _chromium() -> str | None:
    if os.path.exists(CHROMIUM):
        return None
    return f"Chromium not found at {CHROMIUM} — install Debian's `chromium`"


def _redis() -> str | None:
    if _port_open("127.0.0.1", 6379):
        return None
    return "no Redis on 127.0.0.1:6379 — start `redis-server` (.ci/run does)"


def _postgresql() -> str | None:
    url = urlsplit(os.environ.get("DATABASE_URL") or "postgresql://127.0.0.1:5432/test")
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    if url.scheme.startswith("postgres") and _port_open(host, port):
        return None
    return f"no PostgreSQL on {host}:{port} — start it (.ci/run does)"


def _program(name: str, package: str) -> Callable[[], str | None]:
    def check() -> str | None:
        if shutil.which(name):
            return None
        return f"`{name}` not found — install Debian's `{package}`"

    return check


def _root() -> str | None:
    if os.geteuid() == 0:
        return None
    return "not running as root — the installer's tests run deploy/install.sh (CI runs as root)"


@dataclass(frozen=True)
class Need:
    group: str
    check: Callable[[], str | None]


NEEDS: dict[str, Need] = {
    "chromium": Need("browser tests", _chromium),
    "redis": Need("Redis tests", _redis),
    "postgresql": Need("PostgreSQL tests", _postgresql),
    "gettext": Need("translation extraction tests", _program("xgettext", "gettext")),
    "java": Need("ODK Validate tests", _program("java", "default-jre-headless")),
    "pg_dump": Need("PostgreSQL dump tests", _program("pg_dump", "postgresql-client")),
    "root": Need("installer tests", _root),
    "nginx": Need("installer tests that get past the package check", _program("nginx", "nginx")),
    "pdftotext": Need("PDF text layer tests", _program("pdftotext", "poppler-utils")),
}


@functools.cache
def missing(need: str) -> str | None:
    """Why a need is not met on this machine (with how to meet it), or None when it is."""
    if need not in NEEDS:
        raise KeyError(f"unknown test need {need!r}; known: {', '.join(sorted(NEEDS))}")
    reason = NEEDS[need].check()
    return f"{NEEDS[need].group}: {reason}" if reason else None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(need: str) -> None:
    """A missing program or server skips the test with how to install it; in CI it fails."""
    reason = missing(need)
    if reason and in_ci():
        pytest.fail(f"{reason} (CI=true: a test that cannot run fails)", pytrace=False)
    if reason:
        pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(name): needs a program or server of the machine")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("needs"):
        for need in marker.args:
            require(need)


FIGURES: dict[str, list[str]] = {}


def record_figure(section: str, line: str) -> None:
    """A figure a test measured (cases tried, inputs sent), printed at the end of the run."""
    FIGURES.setdefault(section, []).append(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Figures the tests recorded, then every skipped group and why: nothing skipped in silence."""
    for section, lines in FIGURES.items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    terminalreporter.section("skipped tests")
    if not reasons:
        terminalreporter.write_line("nothing skipped")
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"{count:4d} skipped: {reason}")
