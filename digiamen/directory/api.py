"""The public directory API: HSDS 3.0 services (see digiamen/api.py).

``GET /api/v1/directory/services`` pages through services as HSDS's API does (``Page`` with
``contents``), filtered by place and type; ``GET /api/v1/directory/services/{id}`` returns one
service with its organisation. The directory is public information, so no credentials are
needed; confidential locations are never in the answers (``hsds.service_json``).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import pycountry
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field, JsonValue, field_validator

from digiamen.core.api_errors import DateTimeIn
from digiamen.directory import hsds, places
from digiamen.directory.taxonomy import ServiceStatus, ServiceType

router = Router(tags=["directory"])

MAX_PER_PAGE = 100
CACHE_SECONDS = 300


COUNTRY_CODES: list[JsonValue] = [*sorted(c.alpha_2 for c in pycountry.countries)]
AREA_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{1,13}$"


class ServiceFilters(Schema):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=MAX_PER_PAGE)
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 code.",
        json_schema_extra={"enum": COUNTRY_CODES},
    )
    area: str | None = Field(
        default=None,
        pattern=AREA_PATTERN,
        description=(
            "An area code (ISO 3166-2, or an added area); it names its country. An area "
            "that does not exist, or is not in `country`, has no services: an empty page."
        ),
    )
    service_type: ServiceType | None = None
    organization_id: uuid.UUID | None = None
    modified_after: DateTimeIn | None = None
    status: ServiceStatus = ServiceStatus.ACTIVE

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is not None and not places.is_country(value):
            raise ValueError("not an ISO 3166-1 alpha-2 code")
        return value


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def _served_place(filters: ServiceFilters) -> tuple[str, str] | None:
    """The country and area asked for; None when they cannot have services (no such
    country or area, or an area of another country)."""
    country = filters.country or ""
    if country and not places.is_country(country):
        return None
    if not filters.area:
        return country, ""
    area = places.place(filters.area)
    if area is None or area.level == 0 or (country and area.country != country):
        return None
    return area.country, filters.area


@router.get(
    "/services",
    summary="HSDS 3.0 services, a page at a time (Page with contents)",
    openapi_extra={"responses": {200: {"description": "An HSDS 3.0 Page of services."}}},
)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> HttpResponse:
    services = hsds.services_for_export().filter(status=filters.status)
    served = _served_place(filters)
    if served is None:
        services = services.none()
    elif served[0]:
        services = services.serving(*served)
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
def service_detail(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    service = hsds.services_for_export().filter(pk=service_id).first()
    if service is None:
        return _json({"detail": _("There is no service with this id.")}, status=404)
    return _json(hsds.service_json(service, with_organization=True))
