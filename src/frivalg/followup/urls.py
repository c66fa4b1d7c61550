from django.urls import path

from frivalg.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("key-figures/", views.key_figures_page, name="key_figures"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator"),
    path("compare/", views.compare, name="compare"),
    path("gains/", views.gains, name="gains"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<uuid:public_id>/", views.task_edit, name="task_edit"),
    path("benchmarks/import/", views.benchmark_upload, name="benchmark_import"),
    path("benchmarks/imports/<uuid:public_id>/", views.benchmark_result, name="benchmark_result"),
    path("public/<str:code>/", views.public, name="public"),
]

from frivalg.followup import urls_report  # noqa: E402 - the annual report's pages, kept in their own module

urlpatterns += urls_report.urlpatterns
