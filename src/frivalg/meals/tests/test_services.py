"""Menus, orders and deliveries through the services, on the shared world plus meals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frivalg.core.models import AuditEvent
from frivalg.meals import services
from frivalg.meals.models import MealOrder, OrderStatus
from frivalg.meals.tests.factories import DishFactory, MenuFactory, next_week_day
from frivalg.providers.models import Approval
from frivalg.settlements import reference
from frivalg.settlements.snapshot import take_snapshot
from frivalg.visits.models import Visit


def place(mw, menu, dish, quantity=1, day=None, actor=None, now=None):
    return services.meal_order_place(actor=actor or mw.citizen_user, decision=mw.meal_decision, menu=menu,
                                     delivery_date=day or next_week_day(), lines=[(dish, quantity)], now=now)


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_order_from_two_providers_in_one_week(mw):
    first = place(mw, mw.private_menu, mw.stew, 2, next_week_day(2))
    second = place(mw, mw.in_house_menu, mw.fish, 1, next_week_day(3), actor=mw.relative)
    assert {first.provider, second.provider} == {mw.private, mw.in_house}
    assert first.status == second.status == OrderStatus.PLACED
    assert AuditEvent.objects.filter(action="meal_order.place").count() == 2


def test_the_weekly_grant_limits_the_meals(mw):
    place(mw, mw.private_menu, mw.stew, 5, next_week_day(1))
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.in_house_menu, mw.fish, 3, next_week_day(2))
    assert "allows 7 meals a week" in errors_of(excinfo)["lines"][0]
    assert "2 more" in errors_of(excinfo)["lines"][0]
    place(mw, mw.in_house_menu, mw.fish, 2, next_week_day(2))


def test_cancelled_and_rejected_orders_free_the_week(mw):
    order = place(mw, mw.private_menu, mw.stew, 7)
    services.meal_order_cancel(actor=mw.citizen_user, order=order)
    place(mw, mw.private_menu, mw.stew, 7, next_week_day(4))


def test_deadline_passed_is_refused(mw):
    day = next_week_day(3)
    deadline = datetime.combine(day - timedelta(days=2), mw.private_menu.deadline_time,
                                tzinfo=ZoneInfo(mw.muni.time_zone))
    place(mw, mw.private_menu, mw.stew, 1, day, now=deadline)
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.private_menu, mw.stew, 1, day, now=deadline + timedelta(minutes=1))
    assert "order deadline" in errors_of(excinfo)["delivery_date"][0]


def test_only_delivery_days_and_districts_served(mw):
    mw.in_house_menu.delivery_weekdays = [1, 2]
    mw.in_house_menu.save()
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.in_house_menu, mw.fish, 1, next_week_day(3))
    assert "delivery_date" in errors_of(excinfo)
    mw.citizen.district = mw.south
    mw.citizen.save()
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.in_house_menu, mw.fish, 1, next_week_day(1))
    assert "does not deliver to your district" in errors_of(excinfo)["menu"][0]


def test_a_provider_no_longer_approved_cannot_take_orders(mw):
    Approval.objects.filter(provider=mw.private, service=mw.meal).update(status="suspended")
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.private_menu, mw.stew)
    assert "menu" in errors_of(excinfo)


def test_others_cannot_order_for_karen(mw):
    with pytest.raises(PermissionDenied):
        place(mw, mw.private_menu, mw.stew, actor=mw.neighbour_user)
    with pytest.raises(PermissionDenied):
        place(mw, mw.private_menu, mw.stew, actor=mw.assessor)


def test_bad_lines_are_field_errors(mw):
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.private_menu, mw.fish)
    assert "lines" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        place(mw, mw.private_menu, mw.stew, 0)
    assert "lines" in errors_of(excinfo)


def test_payment_rule_splits_each_line(mw):
    services.meal_payment_rule_set(actor=mw.finance, mode="subsidy", amount_minor=2000)
    order = place(mw, mw.private_menu, mw.stew, 2)
    line = order.lines.get()
    assert (line.unit_price_minor, line.municipality_share_minor, line.citizen_share_minor) == (5500, 4000, 7000)
    with pytest.raises(ValidationError):
        services.meal_payment_rule_set(actor=mw.finance, mode="subsidy", amount_minor=0)
    with pytest.raises(PermissionDenied):
        services.meal_payment_rule_set(actor=mw.private_admin, mode="nothing", amount_minor=0)


def test_reject_needs_a_reason(mw):
    order = place(mw, mw.private_menu, mw.stew)
    with pytest.raises(ValidationError) as excinfo:
        services.meal_order_reject(actor=mw.private_admin, order=order, reason="  ")
    assert "reason" in errors_of(excinfo)
    services.meal_order_reject(actor=mw.private_admin, order=order, reason="Køkkenet er lukket")
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED and order.reason == "Køkkenet er lukket"


def test_another_provider_cannot_handle_the_order(mw):
    order = place(mw, mw.private_menu, mw.stew)
    with pytest.raises(PermissionDenied):
        services.meal_order_confirm(actor=mw.in_house_admin, order=order)
    with pytest.raises(PermissionDenied):
        services.meal_order_confirm(actor=mw.private_caregiver_user, order=order)


def _delivery_day_now(order):
    return datetime.combine(order.delivery_date, order.menu.delivery_time,
                            tzinfo=ZoneInfo(order.municipality.time_zone)) + timedelta(hours=2)


def test_delivered_meals_become_settled_units(mw):
    order = place(mw, mw.private_menu, mw.stew, 2)
    services.meal_order_confirm(actor=mw.private_admin, order=order)
    with pytest.raises(ValidationError):
        services.meal_order_deliver(actor=mw.private_admin, order=order, now=timezone.now())
    services.meal_order_deliver(actor=mw.private_admin, order=order, now=_delivery_day_now(order))
    visits = Visit.objects.filter(source_system=services.VISIT_SOURCE)
    assert visits.count() == 2
    assert {v.status for v in visits} == {"done"}
    with pytest.raises(ValidationError):
        services.meal_order_deliver(actor=mw.private_admin, order=order, now=_delivery_day_now(order))
    # The settlement engine's reference settles each meal as one unit at the meal rate.
    from frivalg.core.periods import Period

    day = order.delivery_date
    snapshot, _policy = take_snapshot(mw.muni, Period.month(day.year, day.month))
    lines, _bills = reference.settle(snapshot)
    meal_lines = [line for line in lines.to_pylist() if line["service_id"] == mw.meal.pk]
    assert len(meal_lines) == 2, meal_lines
    assert all("per_unit" in line["reasons"] for line in meal_lines), meal_lines
    assert sum(line["amount_minor"] for line in meal_lines) == 2 * 6000


def test_missed_needs_a_reason_and_pays_nothing(mw):
    order = place(mw, mw.private_menu, mw.stew, 2)
    services.meal_order_confirm(actor=mw.private_admin, order=order)
    with pytest.raises(ValidationError):
        services.meal_order_missed(actor=mw.private_admin, order=order, reason="", now=_delivery_day_now(order))
    services.meal_order_missed(actor=mw.private_admin, order=order, reason="Bilen brød ned",
                               now=_delivery_day_now(order))
    assert MealOrder.objects.get(pk=order.pk).status == OrderStatus.MISSED
    assert not Visit.objects.filter(source_system=services.VISIT_SOURCE).exists()


def test_cancel_only_before_the_deadline(mw):
    order = place(mw, mw.private_menu, mw.stew)
    with pytest.raises(ValidationError):
        services.meal_order_cancel(actor=mw.citizen_user, order=order, now=order.deadline + timedelta(seconds=1))
    with pytest.raises(PermissionDenied):
        services.meal_order_cancel(actor=mw.neighbour_user, order=order)
    services.meal_order_cancel(actor=mw.relative, order=order, now=order.deadline)
    assert MealOrder.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_menu_save_dishes_and_publish(mw):
    menu = services.menu_save(actor=mw.private_admin, provider=mw.private, service=mw.meal, year=2030, week=10,
                              delivery_weekdays=[1, 3, 5], districts=[mw.north])
    with pytest.raises(ValidationError) as excinfo:
        services.menu_publish(actor=mw.private_admin, menu=menu)
    assert "dishes" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.dish_add(actor=mw.private_admin, menu=menu, name="Suppe", price_minor=-1, allergens=["pollen"])
    assert {"price_minor", "allergens"} <= set(errors_of(excinfo))
    services.dish_add(actor=mw.private_admin, menu=menu, name="Suppe", price_minor=3500, allergens=["celery"],
                      diets=["soft"])
    services.menu_publish(actor=mw.private_admin, menu=menu)
    menu.refresh_from_db()
    assert menu.published
    with pytest.raises(ValidationError):
        services.dish_add(actor=mw.private_admin, menu=menu, name="Mere", price_minor=100)
    with pytest.raises(ValidationError) as excinfo:
        services.menu_save(actor=mw.private_admin, provider=mw.private, service=mw.meal, year=2030, week=10,
                           delivery_weekdays=[1], districts=[mw.north])
    assert "week" in errors_of(excinfo)


def test_menu_needs_valid_input_and_an_approved_meal_provider(mw):
    with pytest.raises(ValidationError) as excinfo:
        services.menu_save(actor=mw.private_admin, provider=mw.private, service=mw.practical, year=2025, week=53,
                           delivery_weekdays=[], districts=[mw.other_district])
    assert {"service", "week", "delivery_weekdays", "districts"} <= set(errors_of(excinfo))
    with pytest.raises(PermissionDenied):
        services.menu_save(actor=mw.in_house_admin, provider=mw.private, service=mw.meal, year=2030, week=11,
                           delivery_weekdays=[1], districts=[mw.north])
    unapproved = MenuFactory(provider=mw.other_provider, service=mw.meal, published=False, year=2030, week=12)
    DishFactory(menu=unapproved)
    with pytest.raises(ValidationError) as excinfo:
        services.menu_publish(actor=mw.other_admin, menu=unapproved)
    assert "not approved" in errors_of(excinfo)["menu"][0]
