from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, Any]:
    """Site title, quick exit, no-JavaScript language switcher (same page, other language)."""
    current = get_language()
    path = request.get_full_path()
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "language_links": [
            {
                "code": code,
                "name": name,
                "url": translate_url(path, code),
                "current": code == current,
            }
            for code, name in _native_language_names()
        ],
    }


def _native_language_names() -> list[tuple[str, str]]:
    # Each language named in itself, so a reader finds theirs whatever page they are on.
    return [("ar", "العربية"), ("fr", "Français"), ("en", "English")]
