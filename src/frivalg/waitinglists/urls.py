from django.urls import path

from frivalg.waitinglists import views

app_name = "waitinglists"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.list_create, name="create"),
    path("mine/", views.my_lists, name="my"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/rule/", views.list_edit, name="edit"),
    path("<uuid:public_id>/history/", views.history, name="history"),
    path("<uuid:public_id>/enter/", views.entry_create, name="enter"),
    path("<uuid:public_id>/offer/", views.offer, name="offer"),
    path("<uuid:public_id>/rerank/", views.rerank, name="rerank"),
    path("entries/<uuid:public_id>/urgency/", views.entry_urgency, name="urgency"),
    path("entries/<uuid:public_id>/<str:action>/", views.entry_action, name="entry_action"),
]
