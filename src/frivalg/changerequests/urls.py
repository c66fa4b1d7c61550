from django.urls import path

from frivalg.changerequests import views

app_name = "changerequests"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", views.deadline_settings, name="settings"),
    path("allocations/send/", views.allocations_send, name="allocations_send"),
    path("requests/<uuid:public_id>/", views.request_detail, name="detail"),
    path("requests/<uuid:public_id>/evidence/", views.evidence, name="evidence"),
    path("requests/<uuid:public_id>/withdraw/", views.request_withdraw, name="withdraw"),
    path("decisions/<uuid:public_id>/", views.decision_log, name="decision_log"),
    path("provider/", views.provider_home, name="provider"),
    path("provider/allocations/<uuid:public_id>/acknowledge/", views.allocation_acknowledge, name="acknowledge"),
    path("provider/decisions/<uuid:public_id>/start/", views.care_start, name="start"),
    path("provider/decisions/<uuid:public_id>/stop/", views.care_stop, name="stop"),
    path("provider/decisions/<uuid:public_id>/request/", views.request_new, name="request_new"),
    path("provider/decisions/<uuid:public_id>/frame/", views.frame_new, name="frame_new"),
]
