"""The count of unread alerts on every staff page (staff_base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from digiamen.alerts.models import Alert


def _badge(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.is_authenticated or getattr(request, "keyring", None) is None:
        return None
    unread = list(
        Alert.objects.filter(recipient_id=user.pk, read_at__isnull=True).values_list(
            "organisation__slug", flat=True
        )[:100]
    )
    match = getattr(request, "resolver_match", None)
    org = (match.kwargs.get("org") if match else None) or (unread[0] if unread else None)
    url = reverse("alerts:alerts", args=[org]) if org else None
    return {"count": len(unread), "url": url}


def unread_alerts(request: HttpRequest) -> dict[str, Any]:
    # Lazy: counted only on a page that shows it (the staff pages), once.
    return {"alerts_badge": SimpleLazyObject(lambda: _badge(request))}
