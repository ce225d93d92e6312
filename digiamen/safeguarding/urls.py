"""Self-assessment pages (included under /<lang>/staff/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from digiamen.safeguarding import views

app_name = "safeguarding"

urlpatterns: list[URLPattern] = [
    path("<slug:org>/safeguarding/", views.assessments, name="assessments"),
    path("<slug:org>/safeguarding/questions/", views.question_editor_page, name="questions"),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/",
        views.assessment_page,
        name="assessment",
    ),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/areas/<slug:area>/",
        views.answer_area,
        name="answer_area",
    ),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/close/",
        views.close_assessment,
        name="close",
    ),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/actions/",
        views.add_action,
        name="add_action",
    ),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/actions/<int:item_id>/",
        views.action_status,
        name="action_status",
    ),
    path(
        "<slug:org>/safeguarding/<int:assessment_id>/report/",
        views.assessment_pdf,
        name="report",
    ),
    path(
        "<slug:org>/networks/<slug:network_slug>/safeguarding/",
        views.benchmark_page,
        name="benchmark",
    ),
]
