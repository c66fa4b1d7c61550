from django.urls import path

from frivalg.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<uuid:public_id>/", views.citizen_record, name="citizen"),
    path("<uuid:public_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path("<uuid:public_id>/decisions/new/", views.decision_new, name="decision_new"),
]
