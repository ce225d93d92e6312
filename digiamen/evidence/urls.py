"""Statistics pages (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.evidence import views

app_name = "evidence"

urlpatterns: list[URLPattern] = [
    path("<slug:org>/statistics/", views.statistics_page, name="statistics"),
    path(
        "<slug:org>/statistics/export/<slug:kind>/",
        views.statistics_export,
        name="statistics_export",
    ),
]
