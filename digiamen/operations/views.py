"""/healthz and /readyz for load balancers and monitors: a status, never detail, to
anonymous callers; the checks' detail only with the health token (HEALTH_TOKEN)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from digiamen.core import crypto
from digiamen.operations.health import readiness


def _has_health_token(request: HttpRequest) -> bool:
    expected = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and bool(given) and crypto.constant_time_equal(given, expected)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering; touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers, the queue consumer is alive, the matching index
    is up to date. 503 otherwise, so a load balancer takes the instance out."""
    checks = readiness()
    ready = all(check.ok for check in checks)
    body: dict[str, object] = {"ready": ready}
    if _has_health_token(request):
        body["checks"] = [
            {"name": check.name, "ok": check.ok, "detail": check.detail} for check in checks
        ]
    return JsonResponse(body, status=200 if ready else 503)
