"""deploy/install.sh stops with a clear message, before changing anything, when it cannot
do its job; --dry-run changes nothing. (The whole installation is run by .ci/topology.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from digiamen.tests.support import spare_redis_url

pytestmark = pytest.mark.needs("root")

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "install.sh"


def install(
    prefix: Path, *options: str, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": path or os.environ["PATH"]}
    command = ["bash", str(SCRIPT), "--domain", "report.example.org", "--self-signed"]
    command += ["--prefix", str(prefix), "--db-name", "digiamen_never_made"]
    command += ["--redis-url", spare_redis_url(), *options]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def nothing_under(prefix: Path) -> bool:
    return not any(prefix.iterdir())


@pytest.mark.needs("nginx")
def test_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    result = install(tmp_path, "--no-packages", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would write" in result.stdout and "would change: PostgreSQL database" in result.stdout
    assert result.stdout.rstrip().endswith("Dry run: nothing was changed.")
    assert nothing_under(tmp_path)


@pytest.mark.needs("nginx")
def test_a_port_held_by_another_program_stops_it_before_any_change(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = install(tmp_path, "--no-packages", "--http-port", str(port))
    assert result.returncode == 1
    assert f"install.sh: port {port} is used by " in result.stderr  # this test's process
    assert "free it or choose another port" in result.stderr
    assert "nothing after this point was done" in result.stderr
    assert nothing_under(tmp_path)


def test_an_unreachable_package_mirror_stops_it_before_any_change(tmp_path: Path) -> None:
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    # dpkg says nothing is installed; apt-get cannot reach its mirror.
    (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (fake / "apt-get").write_text(
        "#!/bin/sh\necho 'Could not resolve deb.debian.org' >&2\nexit 100\n"
    )
    for tool in fake.iterdir():
        tool.chmod(0o755)
    prefix = tmp_path / "root"
    prefix.mkdir()
    result = install(prefix, path=f"{fake}:{os.environ['PATH']}")
    assert result.returncode == 1
    assert "cannot read the package lists: check the package mirror" in result.stderr
    assert nothing_under(prefix)


def test_missing_or_bad_options_are_explained(tmp_path: Path) -> None:
    no_domain = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert no_domain.returncode == 1 and "--domain is required" in no_domain.stderr
    unknown = subprocess.run(
        ["bash", str(SCRIPT), "--colour", "blue"], capture_output=True, text=True, check=False
    )
    assert unknown.returncode == 2 and "unknown option --colour" in unknown.stderr
    bad = install(tmp_path, "--no-packages", "--app-ports", "80;rm")
    assert bad.returncode == 1 and "ports and --workers are numbers" in bad.stderr
    assert nothing_under(tmp_path)
