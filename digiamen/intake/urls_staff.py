from django.urls import path

from digiamen.intake import views_materials, views_staff

app_name = "intake"

urlpatterns = [
    path("<slug:org>/reports/new/", views_staff.operator_intake, name="operator_intake"),
]

from digiamen.intake import views_admin  # noqa: E402

urlpatterns += [
    path("<slug:org>/front-door/", views_admin.front_door, name="front_door"),
    path("<slug:org>/awareness/materials/", views_materials.materials_page, name="materials"),
    path(
        "<slug:org>/front-door/rules/<int:rule_id>/delete/",
        views_admin.delete_rule,
        name="delete_rule",
    ),
    path(
        "<slug:org>/front-door/helplines/<int:helpline_id>/edit/",
        views_admin.edit_helpline,
        name="edit_helpline",
    ),
    path(
        "<slug:org>/front-door/helplines/<int:helpline_id>/delete/",
        views_admin.delete_helpline,
        name="delete_helpline",
    ),
]
