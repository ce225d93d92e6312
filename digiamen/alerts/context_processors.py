"""The count of unread alerts on every staff page (staff_base.html)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from digiamen.alerts.models import Alert

# The count is kept in the cache (Redis in production, shared by the workers), so that a
# staff page asks the database nothing for it: alerts.actions forgets it whenever an alert is
# made or read. The time limit only bounds a count left behind by a failed forget.
UNREAD_SECONDS = 300


def unread_cache_key(user_id: int) -> str:
    return f"alerts:unread:{user_id}"


def forget_unread(user_id: int) -> None:
    cache.delete(unread_cache_key(user_id))


def _unread_organisations(user_id: int) -> list[str]:
    """The organisation of each unread alert (at most 100), newest first."""
    return list(
        Alert.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .order_by("-created_at")
        .values_list("organisation__slug", flat=True)[:100]
    )


def _badge(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.is_authenticated or getattr(request, "keyring", None) is None:
        return None
    unread: list[str] = (
        cache.get_or_set(
            unread_cache_key(user.pk), lambda: _unread_organisations(user.pk), UNREAD_SECONDS
        )
        or []
    )
    match = getattr(request, "resolver_match", None)
    org = (match.kwargs.get("org") if match else None) or (unread[0] if unread else None)
    url = reverse("alerts:alerts", args=[org]) if org else None
    return {"count": len(unread), "url": url}


def unread_alerts(request: HttpRequest) -> dict[str, Any]:
    # Lazy: counted only on a page that shows it (the staff pages), once.
    return {"alerts_badge": SimpleLazyObject(lambda: _badge(request))}
