"""Settings for the test suite: the real settings in test mode with cheap key derivation."""

import os

os.environ.setdefault("DIGIAMEN_MODE", "test")

from digiamen.settings import *  # noqa: F403

# Argon2id with libsodium's minimum cost: the same code paths, a fraction of the time.
KDF_OPSLIMIT = 1
KDF_MEMLIMIT = 8192
RECEIPT_KDF_OPSLIMIT = 1
RECEIPT_KDF_MEMLIMIT = 8192
PASSWORD_HASHERS = ["digiamen.core.hashers.FastArgon2PasswordHasher"]
FOLLOWUP_MIN_SECONDS = 0.05
INTAKE_REPORTS_PER_HOUR = 200
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise expects it)
# Pages are rendered without collectstatic: plain names (the fingerprinted ones are tested
# by core/tests/test_static_delivery.py, which collects them).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
INTAKE_POW_BITS = 12
DEMO_HISTORY_PER_MONTH = 4
# Tests share figures of fixed past months (2026); keep them inside the shared window.
NETWORK_MONTHS_SHARED = 120

# Read the banks' changes before every search (production: at most every 0.2 s).
MATCH_INDEX_POLL_SECONDS = 0.0
