"""Keeping the directory (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.directory import views_manage as views

urlpatterns: list[URLPattern] = [
    path("<slug:org>/directory/", views.directory_home, name="home"),
    path(
        "<slug:org>/directory/organisations/new/", views.organisation_new, name="organisation_new"
    ),
    path(
        "<slug:org>/directory/organisations/<uuid:entry_id>/",
        views.organisation_detail,
        name="organisation",
    ),
    path(
        "<slug:org>/directory/organisations/<uuid:entry_id>/edit/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "<slug:org>/directory/organisations/<uuid:entry_id>/services/new/",
        views.service_new,
        name="service_new",
    ),
    path(
        "<slug:org>/directory/organisations/<uuid:entry_id>/locations/new/",
        views.location_new,
        name="location_new",
    ),
    path("<slug:org>/directory/services/<uuid:service_id>/", views.service_detail, name="service"),
    path(
        "<slug:org>/directory/services/<uuid:service_id>/edit/",
        views.service_edit,
        name="service_edit",
    ),
    path(
        "<slug:org>/directory/services/<uuid:service_id>/status/",
        views.service_status,
        name="service_status",
    ),
    path(
        "<slug:org>/directory/services/<uuid:service_id>/verify/",
        views.service_verify,
        name="service_verify",
    ),
    path(
        "<slug:org>/directory/locations/<uuid:location_id>/edit/",
        views.location_edit,
        name="location_edit",
    ),
    path("<slug:org>/directory/areas/", views.added_areas, name="areas"),
]
