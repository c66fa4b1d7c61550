from django.urls import path

from frivalg.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.key_figures_page, name="key_figures"),
]
