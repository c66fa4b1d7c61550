from django.urls import path
from frivalg.api import api
urlpatterns = [path("api/v1/", api.urls)]
