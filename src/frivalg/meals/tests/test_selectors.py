"""Who sees which orders, menus and signals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from frivalg.choices.models import Complaint
from frivalg.meals import selectors, services
from frivalg.meals.tests.factories import DishFactory, MenuFactory, next_week_day


def _order(mw, menu, dish, quantity=1, weekday=3):
    return services.meal_order_place(actor=mw.citizen_user, decision=mw.meal_decision, menu=menu,
                                     delivery_date=next_week_day(weekday), lines=[(dish, quantity)])


def test_a_provider_sees_only_orders_to_itself(mw):
    to_private = _order(mw, mw.private_menu, mw.stew)
    to_in_house = _order(mw, mw.in_house_menu, mw.fish, weekday=4)
    assert list(selectors.orders_for(actor=mw.private_admin)) == [to_private]
    assert list(selectors.orders_for(actor=mw.in_house_admin)) == [to_in_house]
    assert not selectors.orders_for(actor=mw.other_admin).exists()
    assert not selectors.orders_for(actor=mw.private_caregiver_user).exists()
    assert list(selectors.orders_for(actor=mw.private_admin, delivery_date=next_week_day(3))) == [to_private]
    assert not selectors.orders_for(actor=mw.private_admin, delivery_date=next_week_day(4)).exists()


def test_a_citizen_sees_only_own_or_represented_orders(mw):
    order = _order(mw, mw.private_menu, mw.stew)
    assert list(selectors.orders_for(actor=mw.citizen_user)) == [order]
    assert list(selectors.orders_for(actor=mw.relative)) == [order]
    assert not selectors.orders_for(actor=mw.neighbour_user).exists()


def test_the_municipality_sees_its_own_and_another_nothing(mw):
    order = _order(mw, mw.private_menu, mw.stew)
    assert list(selectors.orders_for(actor=mw.finance)) == [order]
    assert not selectors.orders_for(actor=mw.other_finance).exists()
    assert not selectors.orders_for(actor=mw.analyst).exists()
    assert not selectors.orders_for(actor=mw.assessor).exists()


def test_published_menus_of_approved_providers_by_district(mw):
    year, week = mw.private_menu.year, mw.private_menu.week
    assert set(selectors.menus_published(municipality=mw.muni, year=year, week=week)) == {
        mw.private_menu, mw.in_house_menu}
    assert list(selectors.menus_published(municipality=mw.muni, year=year, week=week, district=mw.south)) == [
        mw.private_menu]
    assert not selectors.menus_published(municipality=mw.other_muni, year=year, week=week).exists()
    draft = MenuFactory(provider=mw.other_provider, service=mw.meal, published=True, districts=[mw.north],
                        year=year, week=week)
    DishFactory(menu=draft)
    # other_provider is not approved for the meal service: its menu is not shown.
    assert draft not in selectors.menus_published(municipality=mw.muni, year=year, week=week)
    assert not selectors.menus_published(municipality=mw.muni, year=year, week=60).exists()


def test_provider_menus_and_meal_decisions(mw):
    assert list(selectors.menus_of_provider(actor=mw.private_admin)) == [mw.private_menu]
    assert not selectors.menus_of_provider(actor=mw.citizen_user).exists()
    assert list(selectors.meal_decisions_for(actor=mw.relative, on=next_week_day())) == [mw.meal_decision]
    assert not selectors.meal_decisions_for(actor=mw.neighbour_user, on=next_week_day()).exists()


def test_signals_and_meal_bills_per_month(mw):
    services.meal_payment_rule_set(actor=mw.finance, mode="delivery", amount_minor=1500)
    delivered = _order(mw, mw.private_menu, mw.stew, 2, weekday=1)
    rejected = _order(mw, mw.private_menu, mw.soup, 1, weekday=2)
    cancelled = _order(mw, mw.in_house_menu, mw.fish, 1, weekday=3)
    services.meal_order_confirm(actor=mw.private_admin, order=delivered)
    later = datetime.combine(next_week_day(7), mw.private_menu.delivery_time, tzinfo=ZoneInfo(mw.muni.time_zone))
    services.meal_order_deliver(actor=mw.private_admin, order=delivered, now=later + timedelta(hours=1))
    services.meal_order_reject(actor=mw.private_admin, order=rejected, reason="Udsolgt")
    services.meal_order_cancel(actor=mw.citizen_user, order=cancelled)
    Complaint.objects.create(municipality=mw.muni, citizen=mw.citizen, provider=mw.private, text="Kold mad",
                             received=next_week_day(1), submitted_by=mw.citizen_user)
    months = {next_week_day(d).month for d in (1, 2, 3)}
    signals = [s for m in months for s in selectors.meal_signals(
        actor=mw.analyst, year=next_week_day(1).year if m == next_week_day(1).month else next_week_day(3).year,
        month=m)]
    by_name = {}
    for s in signals:
        row = by_name.setdefault(s.provider_name, [0, 0, 0, 0, 0, 0])
        for i, v in enumerate((s.orders, s.meals_delivered, s.rejected, s.missed, s.cancelled, s.complaints)):
            row[i] += v
    assert by_name == {"Omsorg Nord ApS": [2, 2, 1, 0, 0, 1], "Testrup Hjemmepleje": [1, 0, 0, 0, 1, 0]}
    assert selectors.meal_signals(actor=mw.private_admin, year=2030, month=1) == []
    day = next_week_day(1)
    bills = selectors.meal_copayments(actor=mw.finance, year=day.year, month=day.month)
    assert [(b.meals, b.amount_minor) for b in bills] == [(2, 2 * (5500 - 1500))]
    assert selectors.meal_copayments(actor=mw.other_finance, year=day.year, month=day.month) == []
