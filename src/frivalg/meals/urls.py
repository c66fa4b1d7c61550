from django.urls import path

from frivalg.meals import views

app_name = "meals"

urlpatterns = [
    path("", views.menus, name="menus"),
    path("order/<uuid:decision_id>/<uuid:menu_id>/<str:day>/", views.order, name="order"),
    path("my-orders/", views.my_orders, name="my_orders"),
    path("my-orders/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("provider/menus/", views.provider_menus, name="provider_menus"),
    path("provider/menus/new/", views.menu_create, name="menu_create"),
    path("provider/menus/<uuid:public_id>/", views.menu_edit, name="menu_edit"),
    path("provider/orders/", views.provider_orders, name="provider_orders"),
    path("provider/orders/<uuid:public_id>/<str:action>/", views.order_action, name="order_action"),
    path("purchaser/payment-rule/", views.payment_rule, name="payment_rule"),
    path("purchaser/signals/", views.signals, name="signals"),
]
