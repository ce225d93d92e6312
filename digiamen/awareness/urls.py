from django.urls import path

from digiamen.awareness import views

app_name = "awareness"

urlpatterns = [
    path("<slug:org>/awareness/", views.overview, name="overview"),
    path("<slug:org>/awareness/campaigns/add/", views.add_campaign, name="add_campaign"),
    path("<slug:org>/awareness/sessions/add/", views.add_session, name="add_session"),
    path("<slug:org>/awareness/lessons/", views.lessons_page, name="lessons"),
    # Before the lesson pattern, which would read "versions" as a harm type.
    path(
        "<slug:org>/awareness/lessons/versions/<int:version_id>/publish/",
        views.publish_lesson,
        name="publish_lesson",
    ),
    path(
        "<slug:org>/awareness/lessons/<slug:harm_type>/<slug:audience>/<slug:language>/",
        views.lesson_page,
        name="lesson",
    ),
]
