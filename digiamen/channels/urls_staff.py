from django.urls import path

from digiamen.channels import views_staff

app_name = "channels_staff"

urlpatterns = [
    path("<slug:org>/channels/", views_staff.channels_page, name="channels"),
]
