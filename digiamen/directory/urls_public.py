"""Public pages of the directory: "where to get help", under /<lang>/help/."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.directory import views_public

app_name = "directory_public"

urlpatterns: list[URLPattern] = [
    path("help/", views_public.help_page, name="help"),
]
