"""URL patterns (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
