"""Referral pages, under /<lang>/staff/ (included by digiamen/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.referrals import views

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    path(
        "<slug:org>/cases/<str:number>/referrals/",
        views.case_referrals,
        name="case_referrals",
    ),
    path(
        "<slug:org>/cases/<str:number>/referrals/<int:referral_id>/slip/",
        views.referral_slip,
        name="referral_slip",
    ),
    path("<slug:org>/referrals/", views.referrals_queue, name="referrals"),
    path("<slug:org>/referrals/<int:referral_id>/", views.referral_detail, name="referral"),
]
