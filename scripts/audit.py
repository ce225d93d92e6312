"""`make audit`: the pinned dependencies (requirements/*.lock) against known vulnerabilities.

pip-audit asks PyPI's advisory data, then OSV's for what PyPI could not answer. Where neither
can be reached (an offline machine, a registry mirror without PyPI's JSON API) this says so
plainly and exits 0: "not audited" is not "no vulnerabilities". A known vulnerability exits 1.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCKS = sorted((ROOT / "requirements").glob("*.lock"))
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"


def pinned(lock: Path) -> set[str]:
    return {m.lower() for m in re.findall(r"^([A-Za-z0-9][\w.-]*)==", lock.read_text(), re.M)}


def audit(lock: Path, service: str) -> list[dict[str, Any]]:
    """pip-audit's findings for each pinned package; empty when it could not run at all."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            str(PIP_AUDIT), "--disable-pip", "--require-hashes", "-r", str(lock), "-s", service,
            "--progress-spinner", "off", "-f", "json", "-o", out.name, "--timeout", "20",
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=600, check=False)
            return list(json.loads(Path(out.name).read_text())["dependencies"])
        except (subprocess.TimeoutExpired, ValueError, KeyError):
            return []


def main() -> int:
    vulnerabilities: set[str] = set()
    audited: set[str] = set()
    unaudited: set[str] = set()
    for lock in LOCKS:
        answered: set[str] = set()
        for service in ("pypi", "osv"):
            for package in audit(lock, service):
                name = str(package["name"]).lower()
                if "skip_reason" in package or name in answered:
                    continue
                answered.add(name)
                for vuln in package.get("vulns", []):
                    fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                    vulnerabilities.add(
                        f"VULNERABLE {name}=={package['version']}: {vuln['id']}, fixed in {fixes}"
                    )
            if answered >= pinned(lock):
                break
        audited |= answered
        unaudited |= pinned(lock) - answered
    for line in sorted(vulnerabilities):
        print(line)
    if unaudited:
        print(
            f"NOT AUDITED: the advisory databases (PyPI's JSON API, OSV) could not be reached "
            f"for {len(unaudited)} of the pinned packages. Run `make audit` where they can be."
        )
    print(
        f"make audit: {len(audited)} pinned packages audited, "
        f"{len(vulnerabilities)} known vulnerabilities."
    )
    return 1 if vulnerabilities else 0


if __name__ == "__main__":
    sys.exit(main())
