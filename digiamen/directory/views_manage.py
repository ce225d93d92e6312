"""Staff pages that keep the directory: lists, organisations, services, locations, areas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from digiamen.accounts.models import Membership, Role
from digiamen.accounts.permissions import get_membership, staff_required
from digiamen.directory import actions, places
from digiamen.directory.forms import (
    AddedAreaForm,
    DirectoryFilterForm,
    DirectoryOrganisationForm,
    LocationForm,
    ServiceForm,
    translations_from,
)
from digiamen.directory.models import (
    AddedArea,
    DirectoryOrganisation,
    Location,
    Service,
    ServiceArea,
)
from digiamen.directory.permissions import (
    COVERAGE_ROLES,
    DIRECTORY_KEEPERS,
    directory_keeper,
    directory_reader,
    is_coordinator,
    kept_location,
    kept_organisation,
    kept_service,
    may_keep,
    may_see_confidential,
)
from digiamen.directory.shown import shown_locations
from digiamen.directory.taxonomy import VERIFICATION_MAX_AGE_DAYS, ServiceStatus

PAGE_SIZE = 25


def _context(membership: Membership, **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "is_coordinator": is_coordinator(membership),
        "may_see_coverage": membership.role in COVERAGE_ROLES,
        "is_keeper": membership.role in DIRECTORY_KEEPERS,
        **extra,
    }


def _with_places(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("organisation").prefetch_related(
        Prefetch("areas", queryset=ServiceArea.objects.order_by("country", "admin1")),
        "phones",
    )


def area_names(service: Service) -> list[str]:
    return [places.place_name(area.admin1 or area.country) for area in service.areas.all()]


def filter_services(data: dict[str, Any]) -> QuerySet[Service]:
    services = Service.objects.all()
    if data.get("country"):
        services = services.filter(areas__country=data["country"]).distinct()
    if data.get("service_type"):
        services = services.filter(service_type=data["service_type"])
    if data.get("status"):
        services = services.filter(status=data["status"])
    if data.get("needs_verification"):
        stale = timezone.now() - timedelta(days=VERIFICATION_MAX_AGE_DAYS)
        services = services.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=stale))
    return services.order_by("name", "id")


@staff_required
@require_safe
def directory_home(request: HttpRequest, org: str) -> HttpResponse:
    membership = directory_reader(request, org)
    form = DirectoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = 400 if form.is_bound and not form.is_valid() else 200
    page = Paginator(_with_places(filter_services(data)), PAGE_SIZE).get_page(data.get("page"))
    for service in page:
        service.area_names = area_names(service)  # type: ignore[attr-defined]
    own_entry = DirectoryOrganisation.objects.filter(owner=membership.organisation).first()
    context = _context(membership, form=form, page=page, own_entry=own_entry)
    return render(request, "directory/manage/home.html", context, status=status)


def _form_page(
    request: HttpRequest,
    form: Any,
    template: str,
    context: dict[str, Any],
    save: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Show a directory form; on POST save it through an action and go to the page ``save``
    names, or show the form again (400) with why it was refused."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                destination = save(form.cleaned_data)
            except actions.DirectoryError as error:
                messages.error(request, error.message)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(destination)
        status = 400
    return render(request, template, {**context, "form": form}, status=status)


def _model_fields(form: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in form.Meta.fields}


def _save_organisation(
    request: HttpRequest, membership: Membership, entry: DirectoryOrganisation | None
) -> HttpResponse:
    form = DirectoryOrganisationForm(request.POST or None, instance=entry)

    def save(data: dict[str, Any]) -> str:
        saved = actions.save_directory_organisation(
            membership, entry, _model_fields(form, data), translations_from(data)
        )
        return reverse("directory:organisation", args=[membership.organisation.slug, saved.pk])

    context = _context(membership, entry=entry)
    return _form_page(request, form, "directory/manage/organisation_form.html", context, save)


@staff_required
def organisation_new(request: HttpRequest, org: str) -> HttpResponse:
    membership = directory_keeper(request, org)
    return _save_organisation(request, membership, None)


@staff_required
def organisation_edit(request: HttpRequest, org: str, entry_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    return _save_organisation(request, membership, kept_organisation(membership, entry_id))


@staff_required
def organisation_detail(request: HttpRequest, org: str, entry_id: Any) -> HttpResponse:
    membership = directory_reader(request, org)
    entry = get_object_or_404(DirectoryOrganisation, pk=entry_id)
    services = list(_with_places(entry.services.order_by("name", "id")))
    for service in services:
        service.area_names = area_names(service)  # type: ignore[attr-defined]
    context = _context(
        membership,
        entry=entry,
        services=services,
        locations=shown_locations(membership, entry, entry.locations.order_by("name", "id")),
        may_keep=may_keep(membership, entry),
        country=places.country_name(entry.country),
    )
    return render(request, "directory/manage/organisation_detail.html", context)


def _service_details(form: ServiceForm) -> actions.ServiceDetails:
    data = form.cleaned_data
    return actions.ServiceDetails(
        areas=list(data["areas"]),
        languages=list(data["languages"]),
        translations=translations_from(data),
        phones=form.phones(),
        location_ids=[location.pk for location in data["locations"]],
        days=list(data["days"]),
        opens_at=data.get("opens_at"),
        closes_at=data.get("closes_at"),
        hours_note=data.get("hours_note", ""),
    )


def _save_service(
    request: HttpRequest,
    membership: Membership,
    entry: DirectoryOrganisation,
    service: Service | None,
) -> HttpResponse:
    form = ServiceForm(
        request.POST or None,
        instance=service,
        organisation=entry,
        with_confidential=may_see_confidential(membership, entry),
    )

    def save(data: dict[str, Any]) -> str:
        saved = actions.save_service(
            membership, entry, service, _model_fields(form, data), _service_details(form)
        )
        return reverse("directory:service", args=[membership.organisation.slug, saved.pk])

    context = _context(membership, entry=entry, service=service)
    return _form_page(request, form, "directory/manage/service_form.html", context, save)


@staff_required
def service_new(request: HttpRequest, org: str, entry_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    return _save_service(request, membership, kept_organisation(membership, entry_id), None)


@staff_required
def service_edit(request: HttpRequest, org: str, service_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    service = kept_service(membership, service_id)
    return _save_service(request, membership, service.organisation, service)


@staff_required
@require_safe
def service_detail(request: HttpRequest, org: str, service_id: Any) -> HttpResponse:
    membership = directory_reader(request, org)
    service = get_object_or_404(_with_places(Service.objects.all()), pk=service_id)
    keeper = may_keep(membership, service.organisation)
    links = service.at_locations.select_related("location").order_by("location__name", "id")
    context = _context(
        membership,
        service=service,
        area_names=area_names(service),
        locations=shown_locations(
            membership, service.organisation, [link.location for link in links]
        ),
        schedules=service.schedules.all(),
        may_keep=keeper,
        statuses=[
            (value, label) for value, label in ServiceStatus.choices if value != service.status
        ],
    )
    return render(request, "directory/manage/service_detail.html", context)


@staff_required
@require_POST
def service_status(request: HttpRequest, org: str, service_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    service = kept_service(membership, service_id)
    try:
        actions.set_service_status(membership, service, request.POST.get("status", ""))
    except actions.DirectoryError as error:
        messages.error(request, error.message)
        return redirect("directory:service", org, service.pk)
    messages.success(request, _("The service's status is changed."))
    return redirect("directory:service", org, service.pk)


@staff_required
@require_POST
def service_verify(request: HttpRequest, org: str, service_id: Any) -> HttpResponse:
    membership = get_membership(request, org, [Role.NETWORK_COORDINATOR])
    service = get_object_or_404(Service, pk=service_id)
    actions.verify_service(membership, service)
    messages.success(request, _("Marked as verified today."))
    return redirect("directory:service", org, service.pk)


def _save_location(
    request: HttpRequest,
    membership: Membership,
    entry: DirectoryOrganisation,
    location: Location | None,
) -> HttpResponse:
    form = LocationForm(request.POST or None, instance=location)

    def save(data: dict[str, Any]) -> str:
        fields = _model_fields(form, data)
        actions.save_location(
            membership, entry, location, fields, data["area"], translations_from(data)
        )
        return reverse("directory:organisation", args=[membership.organisation.slug, entry.pk])

    context = _context(
        membership,
        entry=entry,
        location=location,
        owner_admin=may_see_confidential(membership, entry),
    )
    return _form_page(request, form, "directory/manage/location_form.html", context, save)


@staff_required
def location_new(request: HttpRequest, org: str, entry_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    return _save_location(request, membership, kept_organisation(membership, entry_id), None)


@staff_required
def location_edit(request: HttpRequest, org: str, location_id: Any) -> HttpResponse:
    membership = directory_keeper(request, org)
    location = kept_location(membership, location_id)
    return _save_location(request, membership, location.organisation, location)


@staff_required
def added_areas(request: HttpRequest, org: str) -> HttpResponse:
    membership = directory_keeper(request, org)
    form = AddedAreaForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.add_area(
                    membership,
                    code=data["code"],
                    country=data["country"],
                    parent=data["parent"],
                    names={code: data[f"name_{code}"] for code in ("ar", "fr", "en")},
                )
            except actions.DirectoryError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The area is added."))
                return redirect("directory:areas", org)
        status = 400
    added = [
        (area, places.place_name(area.code), places.place_name(area.parent or area.country))
        for area in AddedArea.objects.order_by("country", "code")
    ]
    context = _context(membership, form=form, added=added)
    return render(request, "directory/manage/areas.html", context, status=status)
