"""Writing a checked plan into the directory (``hsds_import`` wraps it in one transaction).

Records are upserted by id; the children of a record in the file (phones, schedules, service
areas, links to locations) are replaced by the file's, except links to confidential locations,
which are never exported and so kept. Records not in the file are left alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import models

from digiamen.directory.hsds_plan import PhonePlan, Plan, SchedulePlan, uuids
from digiamen.directory.models import (
    DirectoryOrganisation,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)


def _phones(plans: list[PhonePlan], **owner: Any) -> list[Phone]:
    return [
        Phone(
            id=p.id,
            number=p.number,
            extension=p.extension,
            type=p.type,
            description=p.description,
            languages=p.languages,
            order=order,
            **owner,
        )
        for order, p in enumerate(plans)
    ]


def _schedules(plans: list[SchedulePlan], **owner: Any) -> list[Schedule]:
    return [
        Schedule(
            id=s.id,
            freq=s.freq,
            byday=s.byday,
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            description=s.description,
            **owner,
        )
        for s in plans
    ]


def _upsert(model: type[models.Model], rows: dict[str, dict[str, Any]]) -> None:
    """Create the rows whose id is new, update the others, in batches."""
    if not rows:
        return
    existing = model._default_manager.in_bulk([uuid.UUID(pk) for pk in rows])
    new, changed = [], []
    for pk, fields in rows.items():
        record = existing.get(uuid.UUID(pk))
        if record is None:
            new.append(model(pk=pk, **fields))
            continue
        for name, value in fields.items():
            setattr(record, name, value)
        changed.append(record)
    model._default_manager.bulk_create(new, batch_size=500)
    names = list(next(iter(rows.values())))
    model._default_manager.bulk_update(changed, names, batch_size=500)


def _verification(fields: dict[str, Any], existing: Service | None) -> dict[str, Any]:
    """HSDS keeps the date a service was checked; keep the time we know if the date agrees."""
    fields = dict(fields)
    assured: date | None = fields.pop("assured_date")
    if assured is None:
        fields["last_verified_at"] = None
    elif existing and existing.last_verified_at and existing.last_verified_at.date() == assured:
        fields["last_verified_at"] = existing.last_verified_at
    else:
        fields["last_verified_at"] = datetime.combine(assured, time(), tzinfo=UTC)
    return fields


def write(plan: Plan) -> None:
    _upsert(DirectoryOrganisation, {o.id: o.fields for o in plan.organisations.values()})
    Phone.objects.filter(organisation_id__in=uuids(plan.organisations)).delete()
    Phone.objects.bulk_create(
        phone
        for o in plan.organisations.values()
        for phone in _phones(o.phones, organisation_id=o.id)
    )
    _upsert(
        Location,
        {
            loc.id: {**loc.fields, "organisation_id": loc.organisation_id}
            for loc in plan.locations.values()
        },
    )
    Phone.objects.filter(location_id__in=uuids(plan.locations)).delete()
    Schedule.objects.filter(location_id__in=uuids(plan.locations)).delete()
    Phone.objects.bulk_create(
        phone
        for loc in plan.locations.values()
        for phone in _phones(loc.phones, location_id=loc.id)
    )
    Schedule.objects.bulk_create(
        schedule
        for loc in plan.locations.values()
        for schedule in _schedules(loc.schedules, location_id=loc.id)
    )
    existing = Service.objects.in_bulk([uuid.UUID(pk) for pk in plan.services])
    _upsert(
        Service,
        {
            s.id: {
                **_verification(s.fields, existing.get(uuid.UUID(s.id))),
                "organisation_id": s.organisation_id,
            }
            for s in plan.services.values()
        },
    )
    services = uuids(plan.services)
    for model in (ServiceArea, Phone, Schedule):
        model._default_manager.filter(service_id__in=services).delete()
    # Links to confidential locations are never exported, so a file cannot mean to drop them.
    links = ServiceAtLocation.objects.filter(service_id__in=services)
    links.exclude(location__is_confidential=True).delete()
    kept = {(str(s), str(loc)) for s, loc in links.values_list("service_id", "location_id")}
    ServiceArea.objects.bulk_create(
        ServiceArea(id=area_id, service_id=s.id, country=country, admin1=admin1)
        for s in plan.services.values()
        for area_id, country, admin1 in s.areas
    )
    ServiceAtLocation.objects.bulk_create(
        ServiceAtLocation(id=link_id, service_id=s.id, location_id=location_id, description=text)
        for s in plan.services.values()
        for link_id, location_id, text in s.links
        if (s.id, location_id) not in kept
    )
    Phone.objects.bulk_create(
        phone for s in plan.services.values() for phone in _phones(s.phones, service_id=s.id)
    )
    Schedule.objects.bulk_create(
        schedule
        for s in plan.services.values()
        for schedule in _schedules(s.schedules, service_id=s.id)
    )
