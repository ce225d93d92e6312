"""Public pages of the directory: "where to get help", under /<lang>/help/."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "directory_public"

urlpatterns: list[URLPattern] = []
