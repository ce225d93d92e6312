from django.urls import path

from digiamen.awareness import views_public

app_name = "awareness_public"

urlpatterns = [
    path("learn/", views_public.library, name="library"),
    path("learn/<slug:harm_type>/<slug:audience>/", views_public.lesson, name="lesson"),
    path(
        "learn/<slug:harm_type>/<slug:audience>/<slug:org>/",
        views_public.organisation_lesson,
        name="organisation_lesson",
    ),
]
