"""The REST API, versioned under /api/v1/. The OpenAPI document is at /api/v1/openapi.json.

Errors are JSON in the language asked for (Accept-Language): ``{"detail": "...",
"errors": {"field": ["message", ...]}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from digiamen.accounts.api import router as auth_router
from digiamen.alerts.api import router as alerts_router
from digiamen.cases.api import router as cases_router
from digiamen.consultations.api import router as consultations_router
from digiamen.core import untrusted
from digiamen.core.api_errors import declare_common_errors, field_message
from digiamen.core.crypto import KdfBusy
from digiamen.core.middleware import busy_response
from digiamen.directory.api import router as directory_router
from digiamen.evidence.api import router as evidence_router
from digiamen.intake.api import router as intake_router
from digiamen.media.api import reports_router as media_reports_router
from digiamen.media.api import router as media_router
from digiamen.referrals.api import router as referrals_router
from digiamen.safeguarding.api import router as safeguarding_router
from digiamen.training.api import router as training_router


class DigiAmenAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        # The errors that follow from each operation's declaration (credentials, path,
        # body) are added here once, so the document lists every status the API answers.
        return declare_common_errors(super().get_openapi_schema(**kwargs))


class UntrustedJsonParser(Parser):
    """Request bodies go through the one reader of untrusted JSON (bounded size, depth and
    values; duplicate keys, NaN and huge numbers refused), and only as application/json."""

    def parse_body(self, request: HttpRequest) -> Any:
        if request.content_type != "application/json":
            raise untrusted.Unreadable(_("Send the body as JSON (application/json)."))
        return untrusted.read_json(request.body)


api = DigiAmenAPI(
    parser=UntrustedJsonParser(),
    title="Digi-Amen API",
    version="1",
    description=(
        "Confidential reporting, case management and evidence for child-protection CSOs.\n\n"
        "Errors are JSON in the language asked for (`Accept-Language`): `detail`, and per "
        "field `errors` when values were refused. **401**: no credentials, or not valid. "
        "**403**: valid credentials whose role (or kind, an organisation key) may not use the "
        "operation. **404**: nothing with this identifier is visible to the caller (another "
        "organisation's objects do not exist for it). **400**: a body that cannot be read, or "
        "values each valid that break a rule between them the operation states. **422**: a "
        "value this document refuses. **409**: the object's state forbids it now. **429**: "
        "too many requests; wait."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(field_message(error))
    return api.create_response(
        request, {"detail": _("Some values are not valid."), "errors": errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Authentication is required, or the credentials are not valid.")},
        status=401,
    )


@api.exception_handler(KdfBusy)
def kdf_busy(request: HttpRequest, exc: KdfBusy) -> HttpResponse:
    return busy_response(request)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        # django-ninja turns every failure of the parser into this sentence.
        message = _("The request body must be JSON (application/json) in UTF-8, not too large.")
    return api.create_response(request, {"detail": message}, status=exc.status_code)


api.add_router("/auth/", auth_router)
api.add_router("/", media_reports_router)  # POST /reports: intake's, with its pictures
api.add_router("/", intake_router)
api.add_router("/", cases_router)
api.add_router("/directory/", directory_router)
api.add_router("/", referrals_router)
api.add_router("/", evidence_router)
api.add_router("/", safeguarding_router)
api.add_router("/", media_router)
api.add_router("/", alerts_router)
api.add_router("/", training_router)
api.add_router("/", consultations_router)
