from django.urls import path

from frivalg.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.rates, name="rates"),
    path("rates.csv", views.rates_export, name="rates_export"),
    path("rates.xlsx", views.rates_export_xlsx, name="rates_export_xlsx"),
    path("time-bands/", views.time_bands, name="time_bands"),
    path("services/", views.services, name="services"),
]
