"""Static files named by a hash of their content (collectstatic), never a 500 for one that
was not collected.

Django's manifest storage raises for a file missing from the manifest (a page rendered on
a server where collectstatic has not run since the file was added: a benchmark's fresh
var/, a first start). Such a page links the plain name instead, which WhiteNoise's finders
serve outside production; in production the installer always collects first.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class FingerprintedStaticFiles(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:  # not collected (no manifest, or not in it): the plain name
            return name
