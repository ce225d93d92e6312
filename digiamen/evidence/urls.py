"""Statistics pages (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.evidence import views, views_network

app_name = "evidence"

urlpatterns: list[URLPattern] = [
    path("<slug:org>/statistics/", views.statistics_page, name="statistics"),
    path(
        "<slug:org>/statistics/export/<slug:kind>/",
        views.statistics_export,
        name="statistics_export",
    ),
    path("<slug:org>/statistics/platforms/", views_network.platforms_page, name="platforms"),
    path("<slug:org>/sharing/", views_network.sharing_page, name="sharing"),
    path("<slug:org>/statistics/services/", views_network.services_page, name="services"),
    path(
        "<slug:org>/statistics/services/words/", views_network.feedback_words, name="feedback_words"
    ),
    path("<slug:org>/statistics/prevention/", views_network.prevention_page, name="prevention"),
    path(
        "<slug:org>/statistics/prevention/export/",
        views_network.prevention_export,
        name="prevention_export",
    ),
    path(
        "<slug:org>/networks/<slug:network_slug>/",
        views_network.network_statistics,
        name="network_statistics",
    ),
    path(
        "<slug:org>/networks/<slug:network_slug>/platforms/",
        views_network.network_platforms_page,
        name="network_platforms",
    ),
    path(
        "<slug:org>/networks/<slug:network_slug>/settings/",
        views_network.network_settings,
        name="network_settings",
    ),
    path(
        "<slug:org>/networks/<slug:network_slug>/export/",
        views_network.network_export,
        name="network_export",
    ),
]
