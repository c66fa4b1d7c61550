from django.urls import path

from frivalg.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("requirements/", views.requirement_list, name="requirements"),
    path("requirements/<str:code>/public/", views.public_requirements, name="public_requirements"),
    path("applications/", views.application_queue, name="applications"),
    path("applications/new/", views.application_new, name="apply"),
    path("mine/", views.my_approvals, name="mine"),
    path("capacity/", views.capacity, name="capacity"),
    path("rechoices/", views.rechoice_list, name="rechoices"),
    path("approvals/<uuid:public_id>/", views.approval_detail, name="approval"),
    path("approvals/<uuid:public_id>/decide/", views.approval_decide, name="decide"),
    path("approvals/<uuid:public_id>/renew/", views.approval_renew, name="renew"),
    path("approvals/<uuid:public_id>/refresh/", views.approval_refresh, name="refresh"),
    path("approvals/<uuid:public_id>/capacity/", views.approval_capacity, name="approval_capacity"),
    path("approvals/<uuid:public_id>/notice/", views.approval_notice, name="notice"),
    path("answers/<uuid:public_id>/", views.answer_edit, name="answer"),
    path("answers/<uuid:public_id>/assess/", views.answer_assess, name="assess"),
    path("answers/<uuid:public_id>/document/", views.answer_document, name="document"),
]
