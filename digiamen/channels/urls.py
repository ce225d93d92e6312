from django.urls import path

from digiamen.channels import views

app_name = "channels"

urlpatterns = [
    path("channels/<str:gateway_id>/rapidpro", views.rapidpro, name="rapidpro"),
    path("channels/<str:gateway_id>/sms", views.sms, name="sms"),
    path("channels/<str:gateway_id>/outbox", views.outbox, name="outbox"),
]
