"""The runtime lock is complete: `make run` on a bare clone installs only
requirements/base.lock, so every package the application loads must be pinned there (and
declared in pyproject.toml), and no development package may be.

CI also runs `manage.py check_startup` in a virtualenv holding base.lock alone; these tests
catch the same mistake in every `make test`, without building a second virtualenv.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from digiamen.core.startup import application_modules, imported_modules, third_party_imports

BASE = Path(settings.BASE_DIR)
DEVELOPMENT_ONLY = {"pytest", "pytest-django", "playwright", "faiss-cpu", "pip-audit", "mypy"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: str) -> set[str]:
    return {normalise(m) for m in re.findall(r"^([A-Za-z0-9][\w.-]*)==", lock, flags=re.M)}


def declared(pyproject: str) -> set[str]:
    dependencies = tomllib.loads(pyproject)["project"]["dependencies"]
    return {normalise(re.split(r"[\[<>=!~; ]", d, maxsplit=1)[0]) for d in dependencies}


def runtime_gaps(
    imports: dict[str, set[str]], lock: str, pyproject: str, installed: dict[str, list[str]]
) -> list[str]:
    """Each imported package missing from the lock or from pyproject, with who imports it."""
    in_lock, in_pyproject = pinned(lock), declared(pyproject)
    gaps = []
    for module, importers in sorted(imports.items()):
        distributions = [normalise(d) for d in installed.get(module, [])]
        where = ", ".join(sorted(importers))
        if not distributions:
            gaps.append(f"{module} (imported by {where}) is not installed at all")
        for distribution in distributions:
            if distribution not in in_lock:
                gaps.append(f"{distribution} (imported by {where}) is not in base.lock")
            if distribution not in in_pyproject:
                gaps.append(
                    f"{distribution} (imported by {where}) is not in [project] dependencies"
                )
    return gaps


def test_every_package_the_application_imports_is_in_the_runtime_lock() -> None:
    gaps = runtime_gaps(
        third_party_imports(),
        (BASE / "requirements" / "base.lock").read_text(),
        (BASE / "pyproject.toml").read_text(),
        packages_distributions(),
    )
    assert gaps == []


def test_a_package_imported_but_only_in_the_development_lock_is_caught() -> None:
    """The check itself can fail: jsonschema in the dev lock alone was the bare-clone bug."""
    imports = {"jsonschema": {"questions.py"}, "django": {"settings.py"}}
    installed = {"jsonschema": ["jsonschema"], "django": ["Django"]}
    lock = "django==5.2.19 \\\n    --hash=sha256:00\n"
    pyproject = '[project]\ndependencies = ["Django>=5.2,<5.3"]\n'
    assert runtime_gaps(imports, lock, pyproject, installed) == [
        "jsonschema (imported by questions.py) is not in base.lock",
        "jsonschema (imported by questions.py) is not in [project] dependencies",
    ]
    assert runtime_gaps({"nowhere": {"x.py"}}, lock, pyproject, installed) == [
        "nowhere (imported by x.py) is not installed at all"
    ]


def test_the_scan_sees_imports_inside_functions_and_backends_named_in_settings() -> None:
    imports = third_party_imports()
    assert "questions.py" in imports["jsonschema"]  # the import that broke the bare clone
    assert "weasyprint" in imports  # imported only when a PDF is drawn
    assert {"psycopg", "redis", "gunicorn"} <= set(imports)
    assert not {"pytest", "playwright", "faiss"} & set(imports)
    assert "weasyprint" in imported_modules()  # check_startup imports it by name


def test_development_packages_stay_out_of_the_runtime_lock() -> None:
    lock = pinned((BASE / "requirements" / "base.lock").read_text())
    assert DEVELOPMENT_ONLY & lock == set()
    assert pinned((BASE / "requirements" / "dev.lock").read_text()) >= DEVELOPMENT_ONLY


def test_check_startup_loads_every_module_url_command_task_and_template(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("check_startup")
    out = capsys.readouterr().out
    assert out.startswith("Start-up check passed.")
    counts = {
        name: int(n)
        for n, name in re.findall(
            r"(\d+) (modules|URL patterns|management commands|queue tasks|templates|third-party)",
            out,
        )
    }
    assert counts["modules"] == len(application_modules()) > 150
    assert counts["URL patterns"] > 100 and counts["queue tasks"] >= 9
    assert counts["management commands"] > 20 and counts["templates"] > 50
    assert counts["third-party"] == len(imported_modules()) > 50
