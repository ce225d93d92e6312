from django.urls import path

from digiamen.consultations import views_public

app_name = "consultations_public"

urlpatterns = [
    path("consultations/", views_public.open_list, name="list"),
    path("consultations/<str:consultation_code>/", views_public.answer, name="answer"),
]
