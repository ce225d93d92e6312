"""Coverage and outlines (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.directory import views_coverage

urlpatterns: list[URLPattern] = [
    path("<slug:org>/directory/coverage/", views_coverage.coverage_page, name="coverage"),
    path("<slug:org>/directory/boundaries/", views_coverage.boundaries_page, name="boundaries"),
]
