from django.urls import path

from frivalg.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("my-decisions/", views.my_decisions_page, name="my_decisions"),
    path("decisions/<uuid:public_id>/", views.decision_detail, name="decision"),
    path("decisions/<uuid:public_id>/change/", views.decision_change, name="decision_change"),
    path("decisions/<uuid:public_id>/letter/", views.decision_letter, name="letter"),
    path("decisions/<uuid:public_id>/letter.pdf", views.decision_letter_pdf, name="letter_pdf"),
    path("decisions/<uuid:public_id>/appeal/", views.appeal_new, name="appeal_new"),
    path("appeals/<uuid:public_id>/outcome/", views.appeal_outcome, name="appeal_outcome"),
    path("<uuid:public_id>/", views.citizen_record, name="citizen"),
    path("<uuid:public_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path("<uuid:public_id>/decisions/new/", views.decision_new, name="decision_new"),
]
