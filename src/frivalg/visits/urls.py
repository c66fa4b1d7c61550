from django.urls import path

from frivalg.visits import views

app_name = "visits"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("provider/", views.provider_home, name="provider_home"),
    path("plan/", views.plan, name="plan"),
    path("<uuid:public_id>/check-in/", views.check_in, name="check_in"),
    path("<uuid:public_id>/check-out/", views.check_out, name="check_out"),
]
