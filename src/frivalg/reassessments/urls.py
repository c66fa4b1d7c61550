from django.urls import path

from frivalg.reassessments import views

app_name = "reassessments"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("team/", views.team, name="team"),
    path("team/refresh/", views.refresh, name="refresh"),
    path("policy/", views.policy, name="policy"),
    path("flags/", views.flag_list, name="flags"),
    path("flags/<uuid:public_id>/", views.flag_detail, name="flag"),
]
