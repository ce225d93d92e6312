from django.urls import path

from digiamen.consultations import views

app_name = "consultations"

urlpatterns = [
    path("<slug:org>/consultations/", views.consultation_list, name="list"),
    path("<slug:org>/consultations/new/", views.new_consultation, name="new"),
    path(
        "<slug:org>/consultations/<str:consultation_code>/", views.consultation_page, name="detail"
    ),
    path(
        "<slug:org>/consultations/<str:consultation_code>/edit/",
        views.edit_consultation,
        name="edit",
    ),
    path(
        "<slug:org>/consultations/<str:consultation_code>/publish/", views.publish, name="publish"
    ),
    path("<slug:org>/consultations/<str:consultation_code>/close/", views.close, name="close"),
    path(
        "<slug:org>/consultations/<str:consultation_code>/export/pdf/",
        views.results_pdf,
        name="pdf",
    ),
    path("<slug:org>/consultations/<str:consultation_code>/words/", views.words, name="words"),
]
