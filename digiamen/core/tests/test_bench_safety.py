"""The benchmarks never touch a database they did not make (issue: a bench wiped `test`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from digiamen.tests.support import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR))
from bench import harness


def test_benchmark_databases_are_new_and_their_own() -> None:
    first, second = harness.throwaway_name("cases"), harness.throwaway_name("cases")
    assert first != second
    assert re.fullmatch(r"digiamen_bench_cases_[0-9a-f]{8}", first)


@pytest.mark.parametrize(
    "name", ["test", "postgres", "digiamen", "digiamen_bench", "digiamen_bench_cases", "x; DROP"]
)
def test_benchmarks_refuse_to_drop_a_database_they_did_not_make(name: str) -> None:
    with pytest.raises(ValueError, match="not made by a benchmark"):
        harness.drop_throwaway(name)


def test_no_benchmark_names_a_database_of_its_own_choosing() -> None:
    """Every database a benchmark uses comes from the harness: no fixed name, no `test`."""
    for script in sorted(Path(PROJECT_DIR, "bench").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        assert "/test" not in text, script.name
        assert '"flush"' not in text, script.name  # manage.py flush empties a database
        if script.name != "harness.py":
            assert "DROP DATABASE" not in text and "CREATE DATABASE" not in text, script.name
