from django.urls import path

from digiamen.alerts import views, views_admin, views_rota

app_name = "alerts"

urlpatterns = [
    path("<slug:org>/alerts/", views.alerts_page, name="alerts"),
    path("<slug:org>/alerts/preferences/", views.preferences_page, name="preferences"),
    path("<slug:org>/alerts/on-call/", views.on_call_page, name="on_call"),
    path("<slug:org>/alerts/on-call/exceptions/", views_rota.exceptions, name="exceptions"),
    path("<slug:org>/alerts/failures/", views_admin.failures, name="failures"),
    path("<slug:org>/alerts/policy/", views_admin.policy, name="policy"),
]
