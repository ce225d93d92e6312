"""Hash banks and hotline exchange (included under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.media import views

app_name = "media"

urlpatterns: list[URLPattern] = [
    path("<slug:org>/hashes/", views.banks, name="banks"),
    path("<slug:org>/hashes/hotline/", views.hotline, name="hotline"),
    path("<slug:org>/hashes/hotline/export.csv", views.hotline_export, name="hotline_export"),
    path("<slug:org>/hashes/<int:bank_id>/", views.bank, name="bank"),
    path(
        "<slug:org>/hashes/<int:bank_id>/entries/<int:entry_id>/",
        views.entry,
        name="entry",
    ),
]
