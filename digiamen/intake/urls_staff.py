from django.urls import path

from digiamen.intake import views_staff

app_name = "intake"

urlpatterns = [
    path("<slug:org>/reports/", views_staff.inbox, name="inbox"),
    path("<slug:org>/reports/new/", views_staff.operator_intake, name="operator_intake"),
    path("<slug:org>/reports/<uuid:public_id>/", views_staff.report_detail, name="report_detail"),
    path("<slug:org>/reports/<uuid:public_id>/reply/", views_staff.reply, name="reply"),
]
