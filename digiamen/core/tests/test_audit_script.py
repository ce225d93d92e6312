"""`make audit` reports vulnerabilities with exit 1 and says plainly what it could not audit."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from digiamen.tests.support import PROJECT_DIR


@pytest.fixture
def audit_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("audit", PROJECT_DIR / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lock = tmp_path / "base.lock"
    lock.write_text("django==5.2.1 \\\n    --hash=sha256:00\npynacl==1.5.0 \\\n")
    monkeypatch.setattr(module, "LOCKS", [lock])
    return module


def test_a_known_vulnerability_fails(audit_script: Any, capsys: Any) -> None:
    answers = {
        "pypi": [
            {
                "name": "django",
                "version": "5.2.1",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.2"]}],
            },
            {"name": "pynacl", "version": "1.5.0", "vulns": []},
        ]
    }
    audit_script.audit = lambda lock, service: answers.get(service, [])
    assert audit_script.main() == 1
    out = capsys.readouterr().out
    assert "VULNERABLE django==5.2.1: PYSEC-1, fixed in 5.2.2" in out
    assert "2 pinned packages audited, 1 known vulnerabilities" in out
    assert "NOT AUDITED" not in out


def test_unreachable_advisories_are_said_not_passed(audit_script: Any, capsys: Any) -> None:
    skipped = {"skip_reason": "Dependency not found on PyPI and could not be audited"}
    answers = {
        "pypi": [
            {"name": "django", **skipped},
            {"name": "pynacl", "version": "1.5.0", "vulns": []},
        ],
        "osv": [],  # OSV not reachable either
    }
    audit_script.audit = lambda lock, service: answers[service]
    assert audit_script.main() == 0
    out = capsys.readouterr().out
    assert "NOT AUDITED: the advisory databases" in out and "for 1 of the pinned packages" in out
    assert "1 pinned packages audited, 0 known vulnerabilities" in out
