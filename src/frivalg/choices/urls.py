from django.urls import path

from frivalg.choices import views

app_name = "choices"

urlpatterns = [
    path("", views.my_overview, name="my"),
    path("decisions/<uuid:public_id>/choose/", views.choose_provider, name="choose"),
]
