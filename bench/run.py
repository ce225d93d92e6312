"""Run every benchmark in bench/ (files named bench_*.py, each with a main()) and print figures.

Benchmarks measure budgets from DESIGN.md and the issues; they print, they do not assert.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digiamen.settings")

from bench.harness import machine  # noqa: E402  (after the path is set)


def main() -> int:
    only = sys.argv[1:]
    failures = 0
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
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
