"""Settings for Digi-Amen, driven by environment variables.

Two modes (``DIGIAMEN_MODE``):

* ``demo`` (the default, used by ``make run``): embedded SQLite under ``var/``, an embedded
  task queue, a generated secret key kept under ``var/``, plain HTTP on localhost.
* ``production``: every unsafe choice is refused at start-up by the checks in
  ``digiamen.core.checks`` (debug, default secret, no HTTPS, SQLite without consent).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DIGIAMEN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name)


MODE = os.environ.get("DIGIAMEN_MODE", "demo")
if MODE not in {"demo", "production", "test"}:
    raise RuntimeError("DIGIAMEN_MODE must be 'demo', 'production' or 'test'.")
PRODUCTION = MODE == "production"
DEMO = MODE == "demo"

DEBUG = env_bool("DJANGO_DEBUG", False)


def _embedded_secret_key() -> str:
    """Demo and test only: a random key generated once and kept under var/."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


# In production a missing key is reported by the checks instead of generated silently.
SECRET_KEY = read_secret("SECRET_KEY") or ("" if PRODUCTION else _embedded_secret_key())


def _embedded_network_signing_key() -> str:
    """Demo and test only: like the secret key, generated once and kept under var/."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "network_signing_key"
    if not key_file.exists():
        key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode(), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


# The seed (32 bytes, base64) of this instance's Ed25519 key for network aggregate files.
# Its own key, not derived from SECRET_KEY: either can be replaced without the other.
NETWORK_SIGNING_KEY = read_secret("NETWORK_SIGNING_KEY") or (
    "" if PRODUCTION else _embedded_network_signing_key()
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "huey.contrib.djhuey",
    "digiamen.accounts",
    "digiamen.core",
    "digiamen.intake",
    "digiamen.cases",
    "digiamen.directory",
    "digiamen.referrals",
    "digiamen.networks",
    "digiamen.evidence",
    "digiamen.safeguarding",
    "digiamen.media",
    "digiamen.channels",
    "digiamen.alerts",
    "digiamen.awareness",
    "digiamen.feedback",
    "digiamen.training",
    "digiamen.consultations",
    "digiamen.operations",
    # Last: the project itself, above every app; it wires the report's life (report_life.py).
    "digiamen.apps.DigiAmenConfig",
]

MIDDLEWARE = [
    "digiamen.core.middleware.SecurityHeadersMiddleware",
    "digiamen.core.middleware.LocalTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "digiamen.accounts.middleware.StaffSessionMiddleware",
    "digiamen.accounts.middleware.PendingKeyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "digiamen.core.middleware.MethodNotAllowedMiddleware",
    "digiamen.core.middleware.KdfBusyMiddleware",
]

ROOT_URLCONF = "digiamen.urls"
WSGI_APPLICATION = "digiamen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digiamen.core.context_processors.site",
                "digiamen.alerts.context_processors.unread_alerts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "digiamen.sqlite3"
DATABASES: dict[str, dict[str, Any]] = {
    "default": dict(
        dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}", conn_max_age=60
        )
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE transactions take the write lock up front, so two writers queue instead
        # of failing with "database is locked" when a read turns into a write.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: freed pages are zeroed, so purged values do not linger in free pages.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
        ),
    }
    # Tests read the raw database bytes, so the test database is a file, not :memory:.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-digiamen.sqlite3")}
else:
    # PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high.
    # It estimates 100 rows for every unnested JSON list, so a statistics table over a few
    # thousand pre-grouped rows spent 140 ms compiling to run for 5. Short queries are all
    # this application makes: JIT never pays here.
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = f"{database_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Backups (docs/operations.md) ---------------------------------------------------------------
# The public half of the backup key pair (`manage.py backup_key`); the private half is printed
# once and never kept on the server.
BACKUP_PUBLIC_KEY_FILE = Path(
    os.environ.get("BACKUP_PUBLIC_KEY_FILE", VAR_DIR / "backup_public_key")
)
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
# Backups older than this are deleted whatever BACKUP_KEEP says: a backup holds a case's
# envelopes from before its closure (not yet sealed to the purge period key), so no backup
# may outlive the shortest retention period (docs/operations.md, "Purge").
BACKUP_MAX_AGE_DAYS = int(os.environ.get("BACKUP_MAX_AGE_DAYS", "30"))
# The queue consumer makes the nightly backup unless a system timer does (deploy/install.sh).
BACKUP_IN_QUEUE = env_bool("BACKUP_IN_QUEUE", True)

# --- Health: /healthz, /readyz, `manage.py doctor` ------------------------------------------------
# With this bearer token /readyz also names the failing check (monitoring); without, a status.
HEALTH_TOKEN = read_secret("HEALTH_TOKEN") or ""
QUEUE_HEARTBEAT_MAX_SECONDS = int(os.environ.get("QUEUE_HEARTBEAT_MAX_SECONDS", "300"))
# Certificate whose expiry `manage.py doctor` watches (the reverse proxy's), if any.
TLS_CERTIFICATE_FILE = os.environ.get("TLS_CERTIFICATE_FILE", "")

# --- Cache, rate limits and the task queue -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "digiamen.core.redis_cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    HUEY: dict[str, Any] = {
        "huey_class": "huey.RedisHuey",
        "name": "digiamen",
        "url": REDIS_URL,
        "immediate": False,
        # Nothing reads a task's return value: stored, each would stay in Redis for good.
        "results": False,
    }
else:
    # One process holds the cache in memory: rate-limit state and the daily key that
    # pseudonymises client addresses never touch the disk.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "digiamen",
        }
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "digiamen",
        "filename": str(VAR_DIR / "queue.sqlite3"),
        "immediate": False,
        "results": False,
    }
if MODE == "test" or env_bool("HUEY_IMMEDIATE"):
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "digiamen", "immediate": True}

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))
PASSWORD_MAX_LENGTH = 1024
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = "Digi-Amen"
# Sign-in throttling (docs/security-model.md, "Sign-in throttling"); the counters live in the
# cache, keyed by the client pseudonym of core/clients.py, never by an address.
# Per account *and* client: failures before that client's sign-ins to that account are
# refused (answered like a wrong password) for LOGIN_LOCK_MINUTES. Other clients are not.
LOGIN_FAILURES_BEFORE_LOCK = int(os.environ.get("LOGIN_FAILURES_BEFORE_LOCK", "5"))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
# Per client (pseudonymised address), across usernames: failures in a window before the
# client must wait (429).
LOGIN_CLIENT_FAILURES = int(os.environ.get("LOGIN_CLIENT_FAILURES", "20"))
LOGIN_CLIENT_WINDOW_SECONDS = int(os.environ.get("LOGIN_CLIENT_WINDOW_SECONDS", str(15 * 60)))
# Per account, from all clients together (a distributed attack): failures in a window after
# which password and authenticator code no longer suffice from any client for
# LOGIN_ACCOUNT_WINDOW_MINUTES; a recovery code still does. Never a lock-out.
LOGIN_ACCOUNT_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FAILURES", "30"))
LOGIN_ACCOUNT_WINDOW_MINUTES = int(os.environ.get("LOGIN_ACCOUNT_WINDOW_MINUTES", "60"))
INVITATION_HOURS = int(os.environ.get("INVITATION_HOURS", "72"))
# Refuse unsigned key generations and memberships in every organisation, also those not yet
# signed at a member's sign-in (the migration window, docs/security-model.md). Turn on once
# the key signatures page of every organisation shows nothing left to sign.
ORGANISATION_KEYS_SIGNED_ONLY = env_bool("ORGANISATION_KEYS_SIGNED_ONLY", False)
API_TOKEN_MINUTES = int(os.environ.get("API_TOKEN_MINUTES", "30"))
# Number of reverse proxies in front of the app whose X-Forwarded-For entry may be trusted.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Key derivation for wrapping users' private keys (Argon2id through libsodium).
KDF_OPSLIMIT = int(os.environ.get("KDF_OPSLIMIT", "3"))
KDF_MEMLIMIT = int(os.environ.get("KDF_MEMLIMIT", str(64 * 1024 * 1024)))
# At most this many Argon2id derivations at once in each process (a report's receipt, a
# sign-in), served in order of arrival. Memory stays under processes x KDF_CONCURRENCY x the
# memory cost, whatever the thread count. By default each of gunicorn's WEB_CONCURRENCY
# workers (the systemd unit sets it) gets its share of the cores.
WEB_CONCURRENCY = max(1, int(os.environ.get("WEB_CONCURRENCY", "1")))
KDF_CONCURRENCY = int(
    os.environ.get("KDF_CONCURRENCY", str(max(1, (os.cpu_count() or 1) // WEB_CONCURRENCY)))
)
# A request finding every slot taken waits in line, unless KDF_QUEUE already wait there
# (the line is full) or its wait passes KDF_WAIT_SECONDS: then it is told to come back
# (503 with Retry-After). The shipped topology (4 threads a worker) never fills the line:
# a surge waits, first come first served, in the kernel's accept queue instead.
KDF_QUEUE = int(os.environ.get("KDF_QUEUE", str(4 * max(1, KDF_CONCURRENCY))))
KDF_WAIT_SECONDS = float(os.environ.get("KDF_WAIT_SECONDS", "10"))

# --- Sessions: 30 idle minutes, 12 hours in all -------------------------------------------------
SESSION_ENGINE = "digiamen.accounts.session_store"
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "digiamen.core.views.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Transport security and headers -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
# which Django's CSRF check rightly refuses. Nothing is ever sent to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env_bool("DIGIAMEN_HTTPS", PRODUCTION)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe the application directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # HSTS preload binds the domain for years and cannot be taken back quickly: the operator's
    # choice (docs/operations.md), not a warning at every deployment check.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host, HTTPS only, path /.
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrf"
else:
    SESSION_COOKIE_NAME = "digiamen_session"
    CSRF_COOKIE_NAME = "digiamen_csrf"
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    # Only when the operator says a proxy sets it, e.g. "HTTP_X_FORWARDED_PROTO,https".
    header, value = os.environ["SECURE_PROXY_SSL_HEADER"].split(",", 1)
    SECURE_PROXY_SSL_HEADER = (header.strip(), value.strip())
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Where the quick-exit control leaves to: a neutral page that says nothing about this site.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")
# A discreet title an organisation may prefer in the browser tab.
SITE_TITLE = os.environ.get("SITE_TITLE", "Digi-Amen")

# --- Alerts to staff (digiamen/alerts): e-mail through any SMTP server ---------------------------
# Django's own names. Without EMAIL_HOST, e-mails are written as files under var/outbox/.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = read_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the first byte (port 465)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "digiamen@localhost")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "outbox")
# The address alerts link to (the sign-in page under it); never a token or a case.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# An urgent case nobody opened after this many minutes alerts the supervisors, after twice
# as many the organisation's admins.
ALERT_ESCALATE_MINUTES = int(os.environ.get("ALERT_ESCALATE_MINUTES", "15"))
# Delivery attempts per channel before a delivery is recorded as failed.
ALERT_MAX_ATTEMPTS = int(os.environ.get("ALERT_MAX_ATTEMPTS", "4"))
# A text alert the SMS gateway has not collected from its outbox after this many minutes is
# taken back and recorded failed (then the e-mail goes, if the member has an address).
ALERT_SMS_COLLECT_MINUTES = int(os.environ.get("ALERT_SMS_COLLECT_MINUTES", "10"))
# From this hour (site time) on, members who chose it get their daily digest of non-urgent
# alerts, once a day.
ALERT_DIGEST_HOUR = int(os.environ.get("ALERT_DIGEST_HOUR", "8"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
# Uploads are kept in memory and never spill to a temporary file (core/uploads.py).
FILE_UPLOAD_HANDLERS = ["digiamen.core.uploads.MemoryOnlyUploadHandler"]
UPLOAD_MAX_FILE_BYTES = 32 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- Languages ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("ar", _("Arabic")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files: one small stylesheet, served by WhiteNoise, nothing from elsewhere -----------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# collectstatic (make run, the installer) writes each file under a name carrying a hash of
# its content, with its gzip copy: pages link to those names, served with a year's cache
# (immutable), so a browser on a slow connection fetches the stylesheet once per version.
# The test suite renders pages without collecting them first (test_settings.py): plain
# names there, served by the finders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "digiamen.core.static_storage.FingerprintedStaticFiles"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = False

# --- Logging: never a client address, never a request object ------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "digiamen.core.logging.ScrubRequestFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Runserver's request lines and 4xx warnings carry paths; they are not needed.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        # The PDF brief's renderer and its font subsetter talk a lot at INFO and DEBUG.
        "weasyprint": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

ALLOW_SQLITE_IN_PRODUCTION = env_bool("DIGIAMEN_ALLOW_SQLITE", False)

# --- The report front door ------------------------------------------------------------------------
# Receipts derive the reporter's mailbox key: memory-hard, so that guessing is costly.
# Production refuses less than these defaults (core.checks; docs/security-model.md).
RECEIPT_KDF_OPSLIMIT = int(os.environ.get("RECEIPT_KDF_OPSLIMIT", "3"))
RECEIPT_KDF_MEMLIMIT = int(os.environ.get("RECEIPT_KDF_MEMLIMIT", str(64 * 1024 * 1024)))
INTAKE_DRAFT_MINUTES = int(os.environ.get("INTAKE_DRAFT_MINUTES", "120"))
FOLLOWUP_SESSION_MINUTES = int(os.environ.get("FOLLOWUP_SESSION_MINUTES", "30"))
# Where reports go when no organisation covers the child's country (an organisation slug).
INTAKE_FALLBACK_ORGANISATION = os.environ.get("INTAKE_FALLBACK_ORGANISATION", "")
# Per client (pseudonymised address) per hour. Demonstrations on one machine need more.
INTAKE_REPORTS_PER_HOUR = int(os.environ.get("INTAKE_REPORTS_PER_HOUR", "200" if DEMO else "10"))
INTAKE_DRAFTS_PER_HOUR = int(os.environ.get("INTAKE_DRAFTS_PER_HOUR", "600" if DEMO else "30"))
INTAKE_API_KEY_REPORTS_PER_HOUR = int(os.environ.get("INTAKE_API_KEY_REPORTS_PER_HOUR", "2000"))
# Optional proof of work (JavaScript on): a larger allowance for shared connections.
INTAKE_POW_BITS = int(os.environ.get("INTAKE_POW_BITS", "16"))
INTAKE_POW_MULTIPLIER = int(os.environ.get("INTAKE_POW_MULTIPLIER", "5"))
# Wrong receipts an hour: per client, and per receipt prefix (its first digits, whoever types
# them). Never across all clients: such a cap would let one caller lock every reporter out.
FOLLOWUP_FAILURES_PER_CLIENT = int(os.environ.get("FOLLOWUP_FAILURES_PER_CLIENT", "10"))
# Answers to children's consultations from one client (a keyed pseudonym of its address) in
# an hour: enough for a class answering on one school connection, not for stuffing the figures.
CONSULTATION_ANSWERS_PER_CLIENT_HOUR = int(
    os.environ.get("CONSULTATION_ANSWERS_PER_CLIENT_HOUR", "60")
)
FOLLOWUP_FAILURES_PER_PREFIX = int(os.environ.get("FOLLOWUP_FAILURES_PER_PREFIX", "20"))
# Right and wrong receipts are answered after at least this long.
FOLLOWUP_MIN_SECONDS = float(os.environ.get("FOLLOWUP_MIN_SECONDS", "0.5"))

# Images: hashed in memory and discarded (media app).
IMAGE_MAX_BYTES = 15 * 1024 * 1024
IMAGE_MAX_PIXELS = 50_000_000
IMAGE_HASHES_PER_HOUR = int(os.environ.get("IMAGE_HASHES_PER_HOUR", "60"))
# Purging a case deletes its pictures' hashes; with this on, the match results (which bank
# entry matched, the hotline's answer) stay for a hotline's statistics, without the hashes.
PURGE_KEEPS_IMAGE_MATCHES = env_bool("PURGE_KEEPS_IMAGE_MATCHES", True)
PDQ_MATCH_DISTANCE = int(os.environ.get("PDQ_MATCH_DISTANCE", "31"))
PDQ_MIN_QUALITY = 50
# How often each process reads the banks' new changes (freshness of the matching index).
MATCH_INDEX_POLL_SECONDS = float(os.environ.get("MATCH_INDEX_POLL_SECONDS", "0.2"))
# One index snapshot per machine, built by the queue consumer and mapped read-only by every
# application process (media/snapshots.py). Tests keep per-process indexes (each test has
# its own database).
MATCH_INDEX_SHARED = env_bool("MATCH_INDEX_SHARED", MODE != "test")
MATCH_INDEX_DIR = Path(os.environ.get("MATCH_INDEX_DIR", VAR_DIR / "match-index"))
MATCH_INDEX_SNAPSHOT_CHECK_SECONDS = 5.0

# Text-message conversations: abandoned after this many idle minutes (answers deleted);
# after a report whose reporter agreed to be contacted, the same number's messages go to its
# counsellor, and the counsellor's replies to it, for this many days.
CHANNEL_CONVERSATION_MINUTES = int(os.environ.get("CHANNEL_CONVERSATION_MINUTES", "30"))
CHANNEL_FOLLOWUP_DAYS = 30
# A counsellor's reply no gateway collected is deleted after this many hours (it is
# readable with the server's key while it waits; the mailbox keeps the sealed copy).
CHANNEL_OUTBOX_MAX_AGE_HOURS = int(os.environ.get("CHANNEL_OUTBOX_MAX_AGE_HOURS", "72"))
CHANNEL_MESSAGES_PER_HOUR = int(os.environ.get("CHANNEL_MESSAGES_PER_HOUR", "60"))
