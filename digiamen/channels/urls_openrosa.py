from django.urls import path

from digiamen.channels import views_openrosa

app_name = "openrosa"

urlpatterns = [
    path("openrosa/formList", views_openrosa.form_list, name="form_list"),
    path("openrosa/forms/<str:form_id>.xml", views_openrosa.form, name="form"),
    path("openrosa/submission", views_openrosa.submission, name="submission"),
]
