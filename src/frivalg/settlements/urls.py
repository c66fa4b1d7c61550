from django.urls import path

from frivalg.settlements import views

app_name = "settlements"

urlpatterns = [
    path("", views.runs, name="runs"),
    path("<uuid:public_id>/", views.run_detail, name="run"),
    path("<uuid:public_id>/approve/", views.run_approve, name="approve"),
]
