from django.urls import include, path

from frivalg.settlements import views

app_name = "settlements"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("", include("frivalg.settlements.urls_documents")),
    path("budget/", views.budget_set, name="budget"),
    path("after-calculations/<uuid:public_id>/settle/", views.after_calculation_settle_view,
         name="after_calculation_settle"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch"),
    path("<uuid:public_id>/", views.run_detail, name="run"),
    path("<uuid:public_id>/approve/", views.run_approve, name="approve"),
    path("<uuid:public_id>/export/", views.run_export, name="export"),
    path("<uuid:public_id>/recompute/", views.run_recompute, name="recompute"),
    path("<uuid:public_id>/visits/<uuid:visit_id>/decision/", views.line_override, name="override"),
]
