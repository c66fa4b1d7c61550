from django.urls import path

from frivalg.guidelines import views

app_name = "guidelines"

urlpatterns = [
    path("", views.guideline_list, name="list"),
    path("new/", views.guideline_draft_new, name="draft_new"),
    path("public/<str:code>/", views.public_list, name="public"),
    path("<uuid:public_id>/", views.guideline_detail, name="detail"),
    path("<uuid:public_id>/publish/", views.guideline_publish_view, name="publish"),
    path("<uuid:public_id>/rules/new/", views.rule_new, name="rule_new"),
    path("<uuid:public_id>/rules/<uuid:rule_id>/", views.rule_edit, name="rule_edit"),
    path("<uuid:public_id>/rules/<uuid:rule_id>/remove/", views.rule_remove, name="rule_remove"),
]
