"""The meal pages: who may open them, field errors instead of 500s, the whole order flow."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.urls import reverse

from frivalg.meals.models import MealOrder, MealPaymentRule, Menu, OrderStatus
from frivalg.meals.tests.factories import next_week_day
from frivalg.visits.models import Visit


def order_url(mw, menu=None, day=None):
    return reverse("meals:order", args=[mw.meal_decision.public_id, (menu or mw.private_menu).public_id,
                                        (day or next_week_day()).isoformat()])


def test_citizen_sees_next_weeks_menus_and_filters(client, mw):
    client.force_login(mw.citizen_user)
    page = client.get(reverse("meals:menus"), {"week": "next"}).content.decode()
    assert "Omsorg Nord ApS" in page and "Testrup Hjemmepleje" in page
    assert "Biksemad" in page and "Stegt fisk" in page
    filtered = client.get(reverse("meals:menus"), {"week": "next", "diet": "vegetarian"}).content.decode()
    assert "Grøntsagssuppe" in filtered and "Biksemad" not in filtered
    no_fish = client.get(reverse("meals:menus"), {"week": "next", "without": ["fish"]}).content.decode()
    assert "Stegt fisk" not in no_fish
    bad = client.get(reverse("meals:menus"), {"week": "someday"})
    assert bad.status_code == 200


def test_a_citizen_without_meal_decision_is_told(client, mw):
    client.force_login(mw.neighbour_user)
    assert "no meal decision" in client.get(reverse("meals:menus")).content.decode()


@pytest.mark.parametrize("who", ["assessor", "private_admin", "analyst"])
def test_staff_and_providers_cannot_order(client, mw, who):
    client.force_login(getattr(mw, who))
    assert client.get(reverse("meals:menus")).status_code == 403
    assert client.get(order_url(mw)).status_code == 403


def test_order_page_404s(client, mw):
    client.force_login(mw.citizen_user)
    assert client.get(order_url(mw, day=next_week_day()).replace(next_week_day().isoformat(), "2026-13-40")
                      ).status_code == 404
    client.force_login(mw.neighbour_user)
    assert client.get(order_url(mw)).status_code == 404


def test_relative_orders_and_sees_the_share(client, mw):
    MealPaymentRule.objects.create(municipality=mw.muni, mode="subsidy", amount_minor=2000)
    client.force_login(mw.relative)
    page = client.get(order_url(mw)).content.decode()
    assert "35,00" in page  # own share of Biksemad: 55,00 − 20,00
    response = client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "2"})
    assert response.status_code == 302
    order = MealOrder.objects.get()
    assert order.placed_by == mw.relative and order.citizen == mw.citizen
    mine = client.get(reverse("meals:my_orders")).content.decode()
    assert "Biksemad" in mine and "70,00" in mine


def test_order_field_errors(client, mw):
    client.force_login(mw.citizen_user)
    empty = client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "0"})
    assert empty.status_code == 200 and "Order at least one meal" in empty.content.decode()
    bad = client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "abc"})
    assert bad.status_code == 200 and "form-error-message" in bad.content.decode()
    too_many = client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "8"})
    assert too_many.status_code == 200
    assert not MealOrder.objects.exists()


def test_cancel_from_my_orders(client, mw):
    client.force_login(mw.citizen_user)
    client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "1"})
    order = MealOrder.objects.get()
    client.force_login(mw.neighbour_user)
    assert client.post(reverse("meals:cancel", args=[order.public_id])).status_code == 404
    client.force_login(mw.citizen_user)
    assert client.post(reverse("meals:cancel", args=[order.public_id])).status_code == 302
    assert MealOrder.objects.get().status == OrderStatus.CANCELLED


def test_provider_confirms_rejects_and_reports(client, mw):
    client.force_login(mw.citizen_user)
    client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "1"})
    order = MealOrder.objects.get()
    client.force_login(mw.in_house_admin)
    assert client.post(reverse("meals:order_action", args=[order.public_id, "confirm"])).status_code == 404
    client.force_login(mw.private_admin)
    page = client.get(reverse("meals:provider_orders"), {"date": order.delivery_date.isoformat()}).content.decode()
    assert "Karen" in page
    assert client.get(reverse("meals:provider_orders"), {"date": "bad"}).status_code == 200
    client.post(reverse("meals:order_action", args=[order.public_id, "reject"]), {"reason": ""})
    assert MealOrder.objects.get().status == OrderStatus.PLACED
    client.post(reverse("meals:order_action", args=[order.public_id, "confirm"]))
    assert MealOrder.objects.get().status == OrderStatus.CONFIRMED
    assert client.post(reverse("meals:order_action", args=[order.public_id, "eat"])).status_code == 404
    client.post(reverse("meals:order_action", args=[order.public_id, "missed"]), {"reason": "Syg chauffør"})
    # Before the delivery day a delivery cannot be reported.
    assert MealOrder.objects.get().status == OrderStatus.CONFIRMED


def test_provider_menu_pages(client, mw):
    client.force_login(mw.private_admin)
    assert client.get(reverse("meals:provider_menus")).status_code == 200
    bad = client.post(reverse("meals:menu_create"), {"action": "menu", "service": mw.meal.pk, "year": "2030",
                                                     "week": "60", "delivery_time": "11:00",
                                                     "deadline_days_before": "2", "deadline_time": "12:00"})
    assert bad.status_code == 200 and "form-error-message" in bad.content.decode()
    created = client.post(reverse("meals:menu_create"), {
        "action": "menu", "service": mw.meal.pk, "year": "2030", "week": "10", "delivery_weekdays": ["1", "3"],
        "delivery_time": "11:00", "deadline_days_before": "2", "deadline_time": "12:00",
        "districts": [mw.north.pk]})
    assert created.status_code == 302
    menu = Menu.objects.get(year=2030, week=10)
    edit = reverse("meals:menu_edit", args=[menu.public_id])
    wrong = client.post(edit, {"action": "dish", "name": "", "price": "-3"})
    assert wrong.status_code == 200 and "form-error-message" in wrong.content.decode()
    client.post(edit, {"action": "dish", "name": "Boller i karry", "price": "52.50", "allergens": ["gluten"]})
    assert menu.dishes.get().price_minor == 5250
    client.post(edit, {"action": "publish"})
    assert Menu.objects.get(pk=menu.pk).published
    client.force_login(mw.in_house_admin)
    assert client.get(edit).status_code == 404
    client.force_login(mw.other_admin)  # not a meal provider: told how to apply, nothing to edit
    advice = client.get(reverse("meals:provider_menus"))
    assert advice.status_code == 200 and reverse("providers:apply") in advice.content.decode()
    assert client.get(reverse("meals:menu_create")).status_code == 403
    client.force_login(mw.citizen_user)
    assert client.get(reverse("meals:provider_menus")).status_code == 403


def test_purchaser_pages(client, mw):
    client.force_login(mw.finance)
    bad = client.post(reverse("meals:payment_rule"), {"mode": "subsidy", "amount": ""})
    assert bad.status_code == 200 and "form-error-message" in bad.content.decode()
    assert client.post(reverse("meals:payment_rule"), {"mode": "subsidy", "amount": "20"}).status_code == 302
    assert MealPaymentRule.objects.get(municipality=mw.muni).amount_minor == 2000
    assert client.get(reverse("meals:signals")).status_code == 200
    assert client.get(reverse("meals:signals"), {"month": "13"}).status_code == 200
    client.force_login(mw.analyst)
    assert client.get(reverse("meals:signals")).status_code == 200
    assert client.get(reverse("meals:payment_rule")).status_code == 403
    client.force_login(mw.private_admin)
    assert client.get(reverse("meals:signals")).status_code == 403
    assert client.get(reverse("meals:order", args=[uuid4(), uuid4(), "2030-01-01"])).status_code == 403


def test_delivery_on_a_past_day_through_the_page_creates_the_visits(client, mw):
    client.force_login(mw.citizen_user)
    client.post(order_url(mw), {f"dish_{mw.stew.public_id}": "1"})
    order = MealOrder.objects.get()
    order.status = OrderStatus.CONFIRMED
    order.delivery_date = order.delivery_date - timedelta(days=14)
    order.save()
    client.force_login(mw.private_admin)
    client.post(reverse("meals:order_action", args=[order.public_id, "deliver"]))
    assert MealOrder.objects.get().status == OrderStatus.DELIVERED
    assert Visit.objects.filter(source_system="frivalg.meals", provider=mw.private).count() == 1


def test_a_provider_not_approved_for_meals_is_told_how_to_apply(client, world):
    client.force_login(world.private_admin)
    for name in ("meals:provider_orders", "meals:provider_menus"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert reverse("providers:apply") in response.content.decode()
