from django.urls import path

from digiamen.intake import views

app_name = "intake_public"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("advice/", views.advice, name="advice"),
    path("followup/", views.followup, name="followup"),
    path("followup/message/", views.followup_message, name="followup_message"),
    path("followup/conversation/", views.followup_conversation, name="followup_conversation"),
    path("followup/leave/", views.followup_leave, name="followup_leave"),
]
