from django.urls import path

from digiamen.alerts import views

app_name = "alerts"

urlpatterns = [
    path("<slug:org>/alerts/", views.alerts_page, name="alerts"),
    path("<slug:org>/alerts/preferences/", views.preferences_page, name="preferences"),
    path("<slug:org>/alerts/on-call/", views.on_call_page, name="on_call"),
]
