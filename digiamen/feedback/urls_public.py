from django.urls import path

from digiamen.feedback import views_public

app_name = "feedback_public"

urlpatterns = [
    path("followup/feedback/", views_public.questions, name="questions"),
]
