"""Run every benchmark in bench/ (files named bench_*.py, each with a main()) and print figures.

Benchmarks measure budgets from DESIGN.md and the issues; they print, they do not assert.
Each budget measured is also recorded (``harness.record_budget``) and the run ends with a
summary table: budget, measured, verdict, ratio to the same run's baseline.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digiamen.settings")

from bench.harness import VERDICTS_ENV, machine  # noqa: E402  (after the path is set)


def print_summary(verdicts_file: Path) -> int:
    """The table of every budget recorded in this run; returns how many were missed."""
    rows = []
    if verdicts_file.exists():
        rows = [json.loads(line) for line in verdicts_file.read_text().splitlines() if line]
    print(f"== summary: {len(rows)} budgets  ({machine()})")
    if not rows:
        return 0
    width = max(len(row["name"]) for row in rows)
    print(f"   {'budget':<{width}}  {'limit':>14}  {'measured':>12}  verdict  baseline")
    for row in rows:
        limit = f"{row['comparison']} {row['budget']:g} {row['unit']}"
        measured = f"{row['measured']:g} {row['unit']}"
        verdict = "met" if row["met"] else "MISSED"
        print(
            f"   {row['name']:<{width}}  {limit:>14}  {measured:>12}  {verdict:<7}  "
            f"{row['baseline']}"
        )
    missed = sum(not row["met"] for row in rows)
    print(f"   {len(rows) - missed} met, {missed} missed")
    return missed


def main() -> int:
    only = sys.argv[1:]
    failures = 0
    verdicts = Path(tempfile.mkdtemp(prefix="digiamen-bench-")) / "verdicts.jsonl"
    os.environ[VERDICTS_ENV] = str(verdicts)
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}  ({machine()})")
        started = time.perf_counter()
        try:
            module.main()
        except Exception as error:  # keep going; report at the end
            failures += 1
            print(f"   FAILED: {error!r}")
        print(f"   ({time.perf_counter() - started:.1f} s)")
    missed = print_summary(verdicts)
    return 1 if failures or missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
