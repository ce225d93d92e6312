"""Start-up checks: production refuses an unsafe configuration and says what to fix."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured

TAG = "digiamen"


@register(TAG)
def production_safety(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    errors: list[CheckMessage] = []
    if settings.DEBUG:
        errors.append(
            Error("DEBUG is on in production.", hint="Unset DJANGO_DEBUG.", id="digiamen.E001")
        )
    if (
        not settings.SECRET_KEY
        or len(settings.SECRET_KEY) < 50
        or len(set(settings.SECRET_KEY)) < 5
    ):
        errors.append(
            Error(
                "SECRET_KEY is missing or weak.",
                hint="Set SECRET_KEY or SECRET_KEY_FILE to at least 50 random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="digiamen.E002",
            )
        )
    if not settings.HTTPS:
        errors.append(
            Error(
                "HTTPS is off in production.",
                hint="Serve behind TLS and leave DIGIAMEN_HTTPS on (HSTS, secure cookies).",
                id="digiamen.E003",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is empty.",
                hint="Set ALLOWED_HOSTS to the site's host name.",
                id="digiamen.E004",
            )
        )
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") and not settings.ALLOW_SQLITE_IN_PRODUCTION:
        errors.append(
            Error(
                "SQLite is the database in production.",
                hint="Set DATABASE_URL to PostgreSQL, or DIGIAMEN_ALLOW_SQLITE=1 for a deliberate "
                "single-machine deployment.",
                id="digiamen.E005",
            )
        )
    if settings.KDF_MEMLIMIT < 64 * 1024 * 1024 or settings.KDF_OPSLIMIT < 2:
        errors.append(
            Error(
                "Password key derivation is too cheap for production.",
                hint="Leave KDF_OPSLIMIT and KDF_MEMLIMIT at their defaults or raise them.",
                id="digiamen.E006",
            )
        )
    return errors


def refuse_unsafe_start() -> None:
    """Called by the WSGI entry point: gunicorn does not run system checks by itself."""
    errors = [m for m in run_checks(tags=[TAG]) if m.is_serious()]
    if errors:
        lines = "\n".join(f"- {m.msg} {m.hint}" for m in errors)
        raise ImproperlyConfigured(f"Digi-Amen refuses to start:\n{lines}")
