from django.urls import path

from frivalg.choices import views

app_name = "choices"

urlpatterns = [
    path("", views.my_overview, name="my"),
    path("decisions/<uuid:public_id>/choose/", views.choose_provider, name="choose"),
    path("rate/", views.rate_provider, name="rate"),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complain, name="complain"),
    path("complaints/<uuid:public_id>/", views.complaint_detail, name="complaint"),
    path("clients/<uuid:public_id>/end/", views.client_end, name="client_end"),
    path("terminations/", views.termination_list, name="terminations"),
    path("default-rule/", views.default_rule, name="default_rule"),
    path("awaiting-choice/", views.awaiting_choice, name="awaiting"),
]
