"""Which services a child can reach: those of their area first, then those for the whole country.

Used by the public "where to get help" page, the report receipt and referral suggestions.
Only active services; a confidential location (a shelter) is never part of what is returned
for the public.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from digiamen.directory.models import Location, Schedule, Service, ServiceAtLocation


@dataclass
class NearbyServices:
    in_area: list[Service] = field(default_factory=list)
    country_wide: list[Service] = field(default_factory=list)

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


def services_near(
    country: str, admin1: str = "", *, services: QuerySet[Service] | None = None
) -> NearbyServices:
    """Services of ``admin1`` (any area under it too), then the country-wide ones."""
    base = public_services(services if services is not None else Service.objects.all())
    in_area: list[Service] = []
    if admin1:
        in_area = list(
            base.filter(areas__country=country, areas__admin1=admin1)
            .distinct()
            .order_by("service_type", "name", "id")
        )
    seen = {service.pk for service in in_area}
    country_wide = [
        service
        for service in base.filter(areas__country=country, areas__admin1="")
        .distinct()
        .order_by("service_type", "name", "id")
        if service.pk not in seen
    ]
    return NearbyServices(in_area, country_wide)


def public_locations(service: Service) -> Iterable[Location]:
    return [link.location for link in getattr(service, "public_locations", [])]
