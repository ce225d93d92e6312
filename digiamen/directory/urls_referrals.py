"""Referral pages (included by urls.py under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.directory import views_referrals

urlpatterns: list[URLPattern] = [
    path(
        "<slug:org>/cases/<str:number>/referrals/",
        views_referrals.case_referrals,
        name="case_referrals",
    ),
    path(
        "<slug:org>/cases/<str:number>/referrals/<int:referral_id>/slip/",
        views_referrals.referral_slip,
        name="referral_slip",
    ),
    path("<slug:org>/referrals/", views_referrals.referrals_queue, name="referrals"),
    path(
        "<slug:org>/referrals/<int:referral_id>/", views_referrals.referral_detail, name="referral"
    ),
]
