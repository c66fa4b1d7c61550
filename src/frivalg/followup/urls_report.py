"""The annual competition report's pages, included by followup.urls (namespace "followup")."""

from django.urls import path

from frivalg.followup import report_views

urlpatterns = [
    path("report/", report_views.report_list, name="report_list"),
    path("report/<uuid:public_id>/", report_views.report_detail, name="report"),
    path("report/<uuid:public_id>/pdf", report_views.report_pdf, name="report_pdf"),
]
