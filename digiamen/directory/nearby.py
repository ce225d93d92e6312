"""Which services a child can reach: those of their area first, then those for the whole country.

Used by the public "where to get help" page, the report receipt and referral suggestions.
Only active services; a confidential location (a shelter) is never part of what is returned
for the public.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from digiamen.directory.models import Location, Schedule, Service, ServiceAtLocation


@dataclass
class NearbyServices:
    in_area: list[Service] = field(default_factory=list)
    country_wide: list[Service] = field(default_factory=list)
    more: bool = False  # more services matched than were fetched

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from self.in_area
        yield from self.country_wide

    def __len__(self) -> int:
        return len(self.in_area) + len(self.country_wide)


def public_services(services: QuerySet[Service]) -> QuerySet[Service]:
    """Active services with what the public may see of them, fetched in a few queries."""
    visible_places = ServiceAtLocation.objects.filter(location__is_confidential=False)
    return (
        services.active()  # type: ignore[attr-defined]
        .select_related("organisation")
        .prefetch_related(
            "phones",
            Prefetch("schedules", queryset=Schedule.objects.order_by("id")),
            Prefetch(
                "at_locations",
                queryset=visible_places.select_related("location").order_by("location__name", "id"),
                to_attr="public_locations",
            ),
        )
    )


def _matching_ids(services: QuerySet[Service], language: str) -> list[Any]:
    """Ids in display order, filtered by language here (JSON lists differ per database)."""
    rows = services.active().values_list("pk", "languages").distinct()  # type: ignore[attr-defined]
    ordered = rows.order_by("service_type", "name", "id")
    return [pk for pk, languages in ordered if not language or language in (languages or [])]


def services_near(
    country: str,
    admin1: str = "",
    *,
    services: QuerySet[Service] | None = None,
    language: str = "",
    limit: int | None = None,
) -> NearbyServices:
    """Services of ``admin1``, then the country-wide ones, at most ``limit`` in all.

    Only the ids are read for every match; the services shown are then fetched with what the
    public may see of them, so a country with thousands of services costs little more.
    """
    base = services if services is not None else Service.objects.all()
    in_area_ids = (
        _matching_ids(base.filter(areas__country=country, areas__admin1=admin1), language)
        if admin1
        else []
    )
    seen = set(in_area_ids)
    wide_ids = [
        pk
        for pk in _matching_ids(base.filter(areas__country=country, areas__admin1=""), language)
        if pk not in seen
    ]
    total = len(in_area_ids) + len(wide_ids)
    if limit is not None:
        in_area_ids = in_area_ids[:limit]
        wide_ids = wide_ids[: max(0, limit - len(in_area_ids))]
    fetched = public_services(Service.objects.filter(pk__in=[*in_area_ids, *wide_ids])).in_bulk()
    return NearbyServices(
        in_area=[fetched[pk] for pk in in_area_ids if pk in fetched],
        country_wide=[fetched[pk] for pk in wide_ids if pk in fetched],
        more=limit is not None and total > limit,
    )


def public_locations(service: Service) -> Iterable[Location]:
    """The service's non-confidential locations: prefetched by ``public_services``, or read."""
    links = getattr(service, "public_locations", None)
    if links is None:
        links = (
            service.at_locations.filter(location__is_confidential=False)
            .select_related("location")
            .order_by("location__name", "id")
        )
    return [link.location for link in links]
