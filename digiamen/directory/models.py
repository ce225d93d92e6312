"""The ecosystem map: who offers which service where, modelled on Open Referral HSDS 3.0.

Every record has a UUID ``id`` that is its HSDS id, so an export and a re-import keep the
same identities. Directory organisations are not tenants: a directory organisation may be
linked to a platform organisation (``owner``) whose org admins keep its entries; entries
imported by network coordinators have no owner. Nothing here is confidential except the
whereabouts of confidential locations (shelters), which only the owner's org admins see
(``permissions.may_see_confidential``).

Names and descriptions are written in one language (``name``); ``translations`` holds the
same texts in the other site languages (``{"ar": {"name": ..., "description": ...}}``),
exported as HSDS attributes so that a round trip keeps them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from digiamen.accounts.models import Organisation, User
from digiamen.directory.taxonomy import (
    VERIFICATION_MAX_AGE_DAYS,
    LocationType,
    PhoneType,
    ServiceStatus,
    ServiceType,
)


class Translated(models.Model):
    """Texts in the site's languages beside the original ``name`` and ``description``."""

    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def text_in(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        translated = (self.translations.get(language) or {}).get(field)
        return str(translated or getattr(self, field) or "")

    @property
    def local_name(self) -> str:
        return self.text_in("name")

    @property
    def local_description(self) -> str:
        return self.text_in("description")


class DirectoryOrganisation(Translated):
    """HSDS ``organization``: the body that offers services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.OneToOneField(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_entry",
    )
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(max_length=2)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(status=ServiceStatus.ACTIVE)

    def serving(self, country: str, admin1: str = "") -> ServiceQuerySet:
        """Services whose area covers this admin-1 area (or the whole country)."""
        covers = models.Q(areas__country=country, areas__admin1="")
        if admin1:
            covers |= models.Q(areas__admin1=admin1)
        return self.filter(covers).distinct()


class Service(Translated):
    """HSDS ``service``: one kind of help, offered in some areas, at some locations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        DirectoryOrganisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    service_type = models.CharField(
        _("type of service"), max_length=40, choices=ServiceType.choices
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    application_process = models.TextField(_("how to get the service"), max_length=2000, blank=True)
    eligibility_description = models.TextField(_("who may use it"), max_length=2000, blank=True)
    fees_description = models.CharField(_("fees"), max_length=500, blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("youngest age served"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("oldest age served"), null=True, blank=True)
    # ISO 639 codes (see taxonomy.SERVICE_LANGUAGES).
    languages = models.JSONField(_("languages"), default=list, blank=True)
    free_of_charge = models.BooleanField(_("free of charge"), default=False)
    disability_access = models.BooleanField(
        _("accessible to children with disabilities"), default=False
    )
    child_friendly = models.BooleanField(_("child-friendly"), default=False)
    # Verification by a network coordinator (HSDS assured_date and assurer_email).
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assurer_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["service_type", "status"], name="service_type_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_verification(self) -> bool:
        if self.last_verified_at is None:
            return True
        return timezone.now() - self.last_verified_at > timedelta(days=VERIFICATION_MAX_AGE_DAYS)


class ServiceArea(models.Model):
    """A service covers a whole country (``admin1`` empty) or one area (ISO 3166-2 code,
    or an area an admin added, see ``AddedArea``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="areas")
    country = models.CharField(max_length=2)
    admin1 = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "country", "admin1"], name="one_area_row_per_service"
            )
        ]
        indexes = [models.Index(fields=["country", "admin1"], name="service_area_place")]

    def __str__(self) -> str:
        return f"{self.service_id} in {self.admin1 or self.country}"


class Location(Translated):
    """HSDS ``location``. A confidential one (a shelter) is never shown or exported."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        DirectoryOrganisation, on_delete=models.CASCADE, related_name="locations"
    )
    location_type = models.CharField(
        _("kind of location"),
        max_length=16,
        choices=LocationType.choices,
        default=LocationType.PHYSICAL,
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    transportation = models.CharField(_("how to get there"), max_length=500, blank=True)
    address_1 = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("town or city"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(max_length=2)
    admin1 = models.CharField(max_length=16, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility = models.CharField(_("accessibility"), max_length=500, blank=True)
    wheelchair_access = models.BooleanField(_("wheelchair access"), default=False)
    is_confidential = models.BooleanField(
        _("confidential (a shelter): never shown publicly"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(models.Model):
    """HSDS ``service_at_location``: this service is offered at this location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services_here")
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="one_service_per_location")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} at {self.location_id}"


class Phone(models.Model):
    """HSDS ``phone`` of a service, a location or an organisation (exactly one of them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    organisation = models.ForeignKey(
        DirectoryOrganisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="phones",
    )
    number = models.CharField(_("number"), max_length=32)
    extension = models.CharField(max_length=10, blank=True)
    type = models.CharField(
        _("kind"), max_length=16, choices=PhoneType.choices, default=PhoneType.VOICE
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    languages = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        service__isnull=False, location__isnull=True, organisation__isnull=True
                    )
                    | models.Q(
                        service__isnull=True, location__isnull=False, organisation__isnull=True
                    )
                    | models.Q(
                        service__isnull=True, location__isnull=True, organisation__isnull=False
                    )
                ),
                name="phone_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Schedule(models.Model):
    """HSDS ``schedule``: weekly opening hours of a service or a location.

    ``byday`` holds RFC 5545 day codes ("MO,TU,WE"); times are local to ``timezone``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    freq = models.CharField(max_length=8, default="WEEKLY")
    byday = models.CharField(max_length=40, blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    timezone = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(service__isnull=False, location__isnull=True)
                    | models.Q(service__isnull=True, location__isnull=False)
                ),
                name="schedule_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}-{self.closes_at}"


class AddedArea(models.Model):
    """An area an org admin added: an admin-2 area (province, delegation, moughataa) under an
    admin-1 area, or an admin-1 area of a country outside the project's own data."""

    code = models.CharField(max_length=16, unique=True)
    country = models.CharField(max_length=2)
    parent = models.CharField(max_length=16, blank=True)  # the admin-1 code of an admin-2 area
    level = models.PositiveSmallIntegerField(default=2)
    names = models.JSONField(default=dict)  # {"ar": ..., "fr": ..., "en": ...}
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Boundary(models.Model):
    """The outline of an area, imported from a GeoJSON file; never fetched at run time.

    ``geometry`` is the GeoJSON geometry (Polygon or MultiPolygon, WGS 84), simplified on
    import for drawing.
    """

    area_code = models.CharField(max_length=16, unique=True)
    country = models.CharField(max_length=2, db_index=True)
    pcode = models.CharField(max_length=20, blank=True)
    geometry = models.JSONField()
    source = models.CharField(max_length=200, blank=True)
    imported_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"boundary of {self.area_code}"
