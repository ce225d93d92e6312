from django.urls import path

from digiamen.cases import views, views_keys

app_name = "cases"

urlpatterns = [
    path("<slug:org>/cases/", views.queue, name="queue"),
    path("<slug:org>/cases/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:org>/cases/assign/", views.assign_cases, name="assign_cases"),
    path("<slug:org>/cases/filters/", views.save_filter, name="save_filter"),
    path(
        "<slug:org>/cases/filters/<slug:filter_id>/delete/",
        views.delete_filter,
        name="delete_filter",
    ),
    path("<slug:org>/protocols/", views.protocols_page, name="protocols"),
    path("<slug:org>/case-settings/", views.case_settings, name="settings"),
    path("<slug:org>/case-keys/", views_keys.case_keys, name="case_keys"),
    path("<slug:org>/case-keys/share/", views_keys.share_case_key, name="share_case_key"),
    path("<slug:org>/transfers/", views.transfers, name="transfers"),
    path("<slug:org>/transfers/<int:transfer_id>/", views.decide_transfer, name="decide_transfer"),
    path("<slug:org>/cases/<str:number>/", views.case_detail, name="detail"),
    path("<slug:org>/cases/<str:number>/print/", views.print_case, name="print"),
    path("<slug:org>/case-records/check/", views.verify_record, name="verify_record"),
    path("<slug:org>/cases/<str:number>/step/<slug:step>/", views.case_step, name="step"),
    path("<slug:org>/cases/<str:number>/notes/", views.add_note, name="add_note"),
    path("<slug:org>/cases/<str:number>/tasks/", views.add_task, name="add_task"),
    path(
        "<slug:org>/cases/<str:number>/tasks/<int:task_id>/done/",
        views.complete_task,
        name="complete_task",
    ),
    path("<slug:org>/cases/<str:number>/reply/", views.reply, name="reply"),
    path("<slug:org>/cases/<str:number>/transfer/", views.transfer, name="transfer"),
    path("<slug:org>/cases/<str:number>/escalations/", views.escalate, name="escalate"),
    path(
        "<slug:org>/cases/<str:number>/escalations/<int:escalation_id>/",
        views.escalation_answer,
        name="escalation_answer",
    ),
    path("<slug:org>/cases/<str:number>/consent/", views.record_consent, name="record_consent"),
    path(
        "<slug:org>/cases/<str:number>/consent/override/",
        views.override_consent,
        name="override_consent",
    ),
    path(
        "<slug:org>/cases/<str:number>/protocol/<str:step_id>/", views.tick_step, name="tick_step"
    ),
]
