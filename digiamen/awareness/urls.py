from django.urls import path

from digiamen.awareness import views

app_name = "awareness"

urlpatterns = [
    path("<slug:org>/awareness/", views.overview, name="overview"),
    path("<slug:org>/awareness/campaigns/add/", views.add_campaign, name="add_campaign"),
    path("<slug:org>/awareness/sessions/add/", views.add_session, name="add_session"),
]
