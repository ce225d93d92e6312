"""Static files as a slow phone needs them: fingerprinted names cached for a year, gzip
copies, and a favicon answered rather than a 404 on every first visit (issue #26)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = """
import django; django.setup()
from django.core.management import call_command
call_command("collectstatic", "--noinput", verbosity=0)
call_command("migrate", "--noinput", verbosity=0)  # the home page lists open consultations
from django.templatetags.static import static
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
url = static("core/site.css")
answer = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
print(url)
print(answer.status_code, answer["Cache-Control"], answer.get("Content-Encoding", "-"))
answer = client.get("/favicon.ico")
print(answer.status_code, answer["Content-Type"], len(b"".join(answer)))
page = client.get("/en/").content.decode()
print(static("core/icon.svg") in page, url in page)
"""


def test_collected_static_files_are_fingerprinted_compressed_and_kept_a_year(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DIGIAMEN"))}
    env.update(
        DJANGO_SETTINGS_MODULE="digiamen.settings",
        DIGIAMEN_MODE="demo",
        DIGIAMEN_VAR_DIR=str(tmp_path),
    )
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    url, css, favicon, linked = result.stdout.strip().splitlines()
    # core/site.<12 hex digits>.css, its gzip copy beside it.
    name = url.removeprefix("/static/")
    assert name.startswith("core/site.") and len(name.split(".")[1]) == 12, url
    assert (tmp_path / "static" / f"{name}.gz").exists()
    status, cache, encoding = css.split(" ", 2)[0], css.split(" ")[1:-1], css.split(" ")[-1]
    assert status == "200" and encoding == "gzip"
    assert "immutable" in " ".join(cache) and "max-age=315360000" in " ".join(cache)
    assert favicon.startswith("200 image/vnd.microsoft.icon")
    assert linked == "True True"  # pages name the fingerprinted files


def test_a_file_not_collected_is_linked_by_its_plain_name(tmp_path: Path) -> None:
    """A server whose collectstatic predates a file (or never ran) still draws its pages."""
    from digiamen.core.static_storage import FingerprintedStaticFiles

    storage = FingerprintedStaticFiles(location=str(tmp_path), base_url="/static/")
    assert storage.url("core/icon.svg") == "/static/core/icon.svg"
