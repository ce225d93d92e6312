"""A test that needs something the machine lacks is skipped with how to install it, listed
at the end of the run, and fails in CI (run in a separate pytest with the suite's plugin)."""

from __future__ import annotations

from typing import Any

import pytest

from digiamen.tests.support import PROJECT_DIR

TESTS = """
import pytest

@pytest.mark.needs("gettext")
def test_extracts_strings():
    pass

def test_plain():
    pass
"""


@pytest.fixture(autouse=True)
def _plugin_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_DIR))


@pytest.fixture
def without_gettext(pytester: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    pytester.makepyfile(test_sample=TESTS)
    monkeypatch.setenv("PATH", str(pytester.path))  # no xgettext anywhere on it
    return pytester


def run(pytester: Any) -> Any:
    return pytester.runpytest_subprocess("-p", "digiamen.tests.support", "-p", "no:django", "-q")


def test_a_missing_program_is_skipped_with_its_remedy_and_summarised(
    without_gettext: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = run(without_gettext)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*skipped tests*",
            "   1 skipped: translation extraction tests: `xgettext` not found"
            " — install Debian's `gettext`",
        ]
    )


def test_in_ci_a_missing_program_fails_the_run(
    without_gettext: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = run(without_gettext)
    result.assert_outcomes(passed=1, errors=1)  # failed in setup, before the test ran
    result.stdout.fnmatch_lines(["*`xgettext` not found*CI=true: a test that cannot run fails*"])
    assert result.ret == 1


def test_nothing_missing_says_so(pytester: Any) -> None:
    pytester.makepyfile(test_sample="def test_plain():\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*skipped tests*", "nothing skipped"])
