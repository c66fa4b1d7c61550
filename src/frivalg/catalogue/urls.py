from django.urls import path

from frivalg.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.rates, name="rates"),
]
