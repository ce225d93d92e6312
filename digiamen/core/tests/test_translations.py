"""Arabic and French catalogues cover every project string, and the compiled files match."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = ["ar", "fr"]


def _po(language: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(root / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_committed_catalogue_is_complete(language: str) -> None:
    po = _po(language)
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalogue_matches_the_source(language: str) -> None:
    po = _po(language)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo
    }
    for entry in po.translated_entries():
        expected = (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
        assert compiled.get((entry.msgctxt, entry.msgid)) == expected, entry.msgid


@pytest.mark.needs("gettext")
def test_every_string_in_the_code_is_in_the_catalogues(tmp_path: Path) -> None:
    """Extract the strings again from a copy of the source; nothing new may be untranslated."""
    base = Path(settings.BASE_DIR)
    shutil.copytree(
        base / "digiamen",
        tmp_path / "digiamen",
        ignore=shutil.ignore_patterns("__pycache__", "tests"),
    )
    shutil.copytree(LOCALE, tmp_path / "locale")
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            *[arg for language in TRANSLATED for arg in ("-l", language)],
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "digiamen.settings",
            "DIGIAMEN_MODE": "test",
            "DIGIAMEN_VAR_DIR": str(tmp_path / "var"),
        },
    )
    for language in TRANSLATED:
        po = _po(language, tmp_path / "locale")
        missing = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
        assert missing == [], f"{language}: run 'make messages' and translate: {missing}"
