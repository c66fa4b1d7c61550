"""The meals API: menus for provider systems, orders from citizens' apps."""

from frivalg.meals.models import MealOrder, Menu, OrderStatus
from frivalg.meals.tests.factories import next_week_day

API = "/api/v1/meals"


def post(client, path, payload=None):
    return client.post(API + path, payload or {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def order_payload(mw, quantity=2, dish=None):
    return {"decision": str(mw.meal_decision.public_id), "menu": str(mw.private_menu.public_id),
            "delivery_date": next_week_day().isoformat(),
            "lines": [{"dish": str((dish or mw.stew).public_id), "quantity": quantity}]}


def test_menus_of_a_week_by_district(client, mw):
    client.force_login(mw.neighbour_user)
    query = {"municipality": "T001", "year": mw.private_menu.year, "week": mw.private_menu.week}
    body = client.get(API + "/menus", query).json()
    assert {m["provider_name"] for m in body["items"]} == {"Omsorg Nord ApS", "Testrup Hjemmepleje"}
    south = client.get(API + "/menus", {**query, "district": "S"}).json()
    assert [m["provider_name"] for m in south["items"]] == ["Omsorg Nord ApS"]
    assert {d["name"] for d in south["items"][0]["dishes"]} == {"Biksemad", "Grøntsagssuppe"}
    assert client.get(API + "/menus", {**query, "municipality": "NOPE"}).status_code == 404
    assert client.get(API + "/menus", {**query, "week": 99}).status_code in (400, 422)


def test_provider_creates_and_publishes_a_menu(client, mw):
    client.force_login(mw.private_admin)
    payload = {"provider": str(mw.private.public_id), "service": str(mw.meal.public_id), "year": 2030, "week": 5,
               "delivery_weekdays": [1, 3, 5], "districts": ["N"], "publish": True,
               "dishes": [{"name": "Hakkebøf", "price_minor": 6200, "allergens": ["milk"], "diets": ["soft"]}]}
    response = post(client, "/menus", payload)
    assert response.status_code == 201, response.content
    assert response.json()["published"] is True and response.json()["dishes"][0]["price_minor"] == 6200
    again = post(client, "/menus", payload)
    assert again.status_code in (400, 422) and again.json()["detail"][0]["field"] == "week"
    bad = post(client, "/menus", {**payload, "week": 6, "dishes": [{"name": "X", "price_minor": 1,
                                                                   "allergens": ["pollen"]}]})
    assert bad.status_code in (400, 422)
    assert not Menu.objects.filter(week=6, year=2030).exists()
    client.force_login(mw.in_house_admin)
    foreign = post(client, "/menus", {**payload, "week": 7})
    assert foreign.status_code in (400, 422) and foreign.json()["detail"][0]["field"] == "service"


def test_citizen_orders_and_provider_handles(client, mw):
    client.force_login(mw.citizen_user)
    created = post(client, "/orders", order_payload(mw))
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    assert created.json()["lines"][0]["citizen_share_minor"] == 11000
    client.force_login(mw.in_house_admin)
    assert client.get(API + "/orders").json()["count"] == 0
    assert post(client, f"/orders/{order_id}/confirm").status_code == 404
    client.force_login(mw.private_admin)
    listed = client.get(API + "/orders", {"delivery_date": next_week_day().isoformat()}).json()
    assert [o["id"] for o in listed["items"]] == [order_id]
    no_reason = post(client, f"/orders/{order_id}/reject", {"reason": ""})
    assert no_reason.status_code in (400, 422)
    assert post(client, f"/orders/{order_id}/confirm").json()["status"] == OrderStatus.CONFIRMED
    early = post(client, f"/orders/{order_id}/deliver")
    assert early.status_code in (400, 422) and early.json()["detail"][0]["field"] == "status"
    assert post(client, f"/orders/{order_id}/reject", {"reason": "Lukket"}).json()["status"] == "rejected"


def test_order_errors_are_field_errors(client, mw):
    client.force_login(mw.citizen_user)
    too_many = post(client, "/orders", order_payload(mw, quantity=8))
    assert too_many.status_code in (400, 422)
    foreign_dish = post(client, "/orders", order_payload(mw, dish=mw.fish))
    assert foreign_dish.status_code in (400, 422)
    assert foreign_dish.json()["detail"][0]["field"] == "lines.0.dish"
    client.force_login(mw.neighbour_user)
    other = post(client, "/orders", order_payload(mw))
    assert other.status_code in (400, 422) and other.json()["detail"][0]["field"] == "decision"
    client.force_login(mw.private_admin)
    assert post(client, "/orders", order_payload(mw)).status_code == 403
    assert not MealOrder.objects.exists()


def test_citizen_cancels(client, mw):
    client.force_login(mw.relative)
    order_id = post(client, "/orders", order_payload(mw)).json()["id"]
    assert post(client, f"/orders/{order_id}/cancel").json()["status"] == "cancelled"
    client.force_login(mw.other_admin)
    assert post(client, f"/orders/{order_id}/cancel").status_code == 404
