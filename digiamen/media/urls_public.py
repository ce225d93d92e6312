"""The picture step of the public report (included under /<lang>/, beside the report flow)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.media import views_public

app_name = "media_public"

urlpatterns: list[URLPattern] = [
    path("report/image/", views_public.report_image, name="report_image"),
]
