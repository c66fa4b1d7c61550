from django.urls import path

from frivalg.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
]
