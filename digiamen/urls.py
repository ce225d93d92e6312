import functools
from pathlib import Path

from django.conf.urls.i18n import i18n_patterns
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

from digiamen.api import api


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


@functools.cache
def _favicon() -> bytes:
    return Path(str(finders.find("core/favicon.ico"))).read_bytes()


@require_safe
def favicon_ico(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: answered here, not with a 404
    on every first visit (pages name the fingerprinted icon.svg)."""
    response = HttpResponse(_favicon(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("api/v1/", api.urls),
    path("robots.txt", robots_txt),
    path("favicon.ico", favicon_ico),
    path("", include("digiamen.operations.urls")),
    path("", include("digiamen.channels.urls")),
    path("", include("digiamen.channels.urls_openrosa")),
]
urlpatterns += i18n_patterns(
    path("", include("digiamen.core.urls")),
    path("", include("digiamen.intake.urls")),
    path("", include("digiamen.media.urls_public")),
    path("", include("digiamen.directory.urls_public")),
    path("", include("digiamen.awareness.urls_public")),
    path("", include("digiamen.feedback.urls_public")),
    path("", include("digiamen.consultations.urls_public")),
    path("staff/", include("digiamen.intake.urls_staff")),
    path("staff/", include("digiamen.cases.urls")),
    path("staff/", include("digiamen.accounts.urls")),
    path("staff/", include("digiamen.directory.urls")),
    path("staff/", include("digiamen.referrals.urls")),
    path("staff/", include("digiamen.evidence.urls")),
    path("staff/", include("digiamen.safeguarding.urls")),
    path("staff/", include("digiamen.media.urls")),
    path("staff/", include("digiamen.channels.urls_staff")),
    path("staff/", include("digiamen.alerts.urls")),
    path("staff/", include("digiamen.awareness.urls")),
    path("staff/", include("digiamen.training.urls")),
    path("staff/", include("digiamen.consultations.urls")),
    prefix_default_language=True,
)

handler400 = "digiamen.core.views.bad_request"
handler403 = "digiamen.core.views.permission_denied"
handler404 = "digiamen.core.views.page_not_found"
handler500 = "digiamen.core.views.server_error"
