"""HSDS import and export pages (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.directory import views_exchange

urlpatterns: list[URLPattern] = [
    path("<slug:org>/directory/exchange/", views_exchange.exchange_page, name="exchange"),
    path(
        "<slug:org>/directory/exchange/<slug:kind>/",
        views_exchange.exchange_download,
        name="exchange_download",
    ),
]
