"""The public directory API: HSDS 3.0 services (see digiamen/api.py).

``GET /api/v1/directory/services`` pages through services as HSDS's API does (``Page`` with
``contents``), filtered by place and type; ``GET /api/v1/directory/services/{id}`` returns one
service with its organisation. The directory is public information, so no credentials are
needed; confidential locations are never in the answers (``hsds.service_json``).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from digiamen.directory import hsds, places
from digiamen.directory.taxonomy import ServiceStatus, ServiceType

router = Router(tags=["directory"])

MAX_PER_PAGE = 100
CACHE_SECONDS = 300


class ServiceFilters(Schema):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=MAX_PER_PAGE)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2 code.")
    area: str = Field(
        default="",
        max_length=16,
        description="An area code (ISO 3166-2, or an added area) of the country.",
    )
    service_type: str = Field(default="", max_length=40)
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    status: str = Field(default=ServiceStatus.ACTIVE, max_length=24)


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def _problem(filters: ServiceFilters) -> str | None:
    if filters.country and not places.is_country(filters.country):
        return _("This is not an ISO 3166-1 country code.")
    if filters.area and not filters.country:
        return _("Choose the country of the area.")
    if filters.area and not places.area_in_country(filters.area, filters.country):
        return _("This area is not an area of the chosen country.")
    if filters.service_type and filters.service_type not in ServiceType.values:
        return _("This type of service is not known.")
    if filters.status not in ServiceStatus.values:
        return _("This value is not one of the allowed choices.")
    return None


@router.get(
    "/services",
    summary="HSDS 3.0 services, a page at a time (Page with contents)",
    openapi_extra={"responses": {200: {"description": "An HSDS 3.0 Page of services."}}},
)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> HttpResponse:
    problem = _problem(filters)
    if problem:
        return _json({"detail": problem}, status=400)
    services = hsds.services_for_export().filter(status=filters.status)
    if filters.country:
        services = services.serving(filters.country, filters.area)
    if filters.service_type:
        services = services.filter(service_type=filters.service_type)
    if filters.organization_id:
        services = services.filter(organisation_id=filters.organization_id)
    if filters.modified_after:
        services = services.filter(updated_at__gt=filters.modified_after)
    total = services.count()
    pages = max(1, math.ceil(total / filters.per_page))
    start = (filters.page - 1) * filters.per_page
    contents = [hsds.service_json(s) for s in services[start : start + filters.per_page]]
    return _json(
        {
            "total_items": total,
            "total_pages": pages,
            "page_number": filters.page,
            "size": len(contents),
            "first_page": filters.page == 1,
            "last_page": filters.page >= pages,
            "empty": not contents,
            "contents": contents,
        }
    )


@router.get(
    "/services/{service_id}",
    summary="One HSDS 3.0 service with its organisation",
    openapi_extra={"responses": {200: {"description": "An HSDS 3.0 service."}}},
)
def service_detail(request: HttpRequest, service_id: str) -> HttpResponse:
    try:
        key = uuid.UUID(service_id)
    except ValueError:
        key = None
    service = hsds.services_for_export().filter(pk=key).first() if key else None
    if service is None:
        return _json({"detail": _("There is no service with this id.")}, status=404)
    return _json(hsds.service_json(service, with_organization=True))
