from django.urls import path

from digiamen.training import views

app_name = "training"

urlpatterns = [
    path("<slug:org>/training/", views.training_home, name="home"),
    path("<slug:org>/training/new/", views.new_module, name="new"),
    path("<slug:org>/training/<slug:code>/", views.module_page, name="module"),
]
