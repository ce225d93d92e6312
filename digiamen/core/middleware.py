from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from digiamen.core import months
from digiamen.core.crypto import KdfBusy
from digiamen.core.views import render_error

# Nothing from another host, no inline script or style, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "manifest-src 'self'",
    ]
)
# Sent when a visit ends (staff logout or timeout, a reporter leaving the follow-up): the
# browser drops what the visit left behind, for whoever picks up the device next.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every response.

    Pages are never stored by the browser or a proxy: a shared phone's history and cache
    must not hold what a reporter or a caseworker saw. Static files keep their caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, max-age=0"
            response["Pragma"] = "no-cache"
        return response


class LocalTimeMiddleware:
    """Each request starts in the site's time zone and ends there again: a staff view that
    names an organisation activates its zone and its country's month names
    (accounts.time_zones), and a thread serving the next request must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        months.deactivate_country()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            months.deactivate_country()


class MethodNotAllowedMiddleware:
    """Django answers a method a view does not take (a POST to a page that only shows) with
    an empty 405; people get the site's error page in their language, programs JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed) or response.content:
            return response

        answer: HttpResponse
        if request.path.startswith("/api/"):
            answer = JsonResponse({"detail": _("This address does not take this method.")})
        else:
            answer = render_error(
                request,
                405,
                _("This page does not take what was sent"),
                _("Go back and use the page's own buttons and forms."),
            )
        answer.status_code = 405
        answer["Allow"] = response["Allow"]
        return answer


class KdfBusyMiddleware:
    """A request that found every key-derivation slot taken (core.crypto.KdfBusy) is told to
    come back: 503 with Retry-After, a translated page or JSON; nothing was written (the
    derivation comes before any write)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:

        if not isinstance(exception, KdfBusy):
            return None
        return busy_response(request)


def busy_response(request: HttpRequest) -> HttpResponse:

    answer: HttpResponse
    if request.path.startswith("/api/"):
        answer = JsonResponse({"detail": _("Too many requests at once. Try again in a moment.")})
    else:
        answer = render_error(
            request,
            503,
            _("Too many people at once"),
            _("Nothing was lost. Wait a few seconds and send it again."),
        )
    answer.status_code = 503
    answer["Retry-After"] = str(KdfBusy.retry_after_seconds)
    return answer
