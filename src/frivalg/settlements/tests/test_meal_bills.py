"""The citizen's share of the meals delivered in a month on their co-payment bill: the exact sum
of the order lines' shares, nothing for missed or cancelled orders, outside the care fee's cap,
reproducible, shown on the bill page and in the API, and never billed twice through a per-unit
fee on the meal service."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from frivalg.core.periods import Period
from frivalg.core.templatetags.frivalg_ui import money
from frivalg.meals import services as meals
from frivalg.meals.models import OrderStatus
from frivalg.meals.tests.factories import add_meals, next_week_day
from frivalg.settlements.documents import bill_explanation, bill_html
from frivalg.settlements.models import CoPaymentBill, SettlementPolicy
from frivalg.settlements.services import settlement_month_compute, settlement_policy_set
from frivalg.settlements.tests.factories import CitizenIncomeFactory
from frivalg.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

SUBSIDY = 1500


def _early() -> datetime:
    """Before the deadline of every day of next week (three days before is before Monday's)."""
    return timezone.now() - timedelta(days=3)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def mw(world):
    w = add_meals(world)
    meals.meal_payment_rule_set(actor=w.finance, mode="subsidy", amount_minor=SUBSIDY)
    return w


def _days_in_one_month() -> list[date]:
    """The days of next week in the month of its Wednesday (at least three)."""
    wednesday = next_week_day(3)
    return [d for d in (next_week_day(i) for i in range(1, 8)) if d.month == wednesday.month]


def _order(mw, menu, lines, day):
    return meals.meal_order_place(actor=mw.citizen_user, decision=mw.meal_decision, menu=menu, delivery_date=day,
                                  lines=lines, now=_early())


def _now(order):
    return datetime.combine(order.delivery_date, order.menu.delivery_time,
                            tzinfo=ZoneInfo(order.municipality.time_zone)) + timedelta(hours=2)


def _deliver(mw, order, admin):
    meals.meal_order_confirm(actor=admin, order=order)
    return meals.meal_order_deliver(actor=admin, order=order, now=_now(order))


def _three_meals(mw):
    """Karen gets three meals at three prices (55, 40 and 65 kr), on two days of one month, and
    one missed and one cancelled order besides. Returns the month and the exact share."""
    days = _days_in_one_month()
    private = _order(mw, mw.private_menu, [(mw.stew, 1), (mw.soup, 1)], days[0])
    in_house = _order(mw, mw.in_house_menu, [(mw.fish, 1)], days[1])
    _deliver(mw, private, mw.private_admin)
    _deliver(mw, in_house, mw.in_house_admin)
    missed = _order(mw, mw.private_menu, [(mw.stew, 2)], days[2])
    meals.meal_order_confirm(actor=mw.private_admin, order=missed)
    meals.meal_order_missed(actor=mw.private_admin, order=missed, reason="Bilen brød ned", now=_now(missed))
    cancelled = _order(mw, mw.in_house_menu, [(mw.fish, 1)], days[2])
    meals.meal_order_cancel(actor=mw.citizen_user, order=cancelled, now=_early())
    missed.refresh_from_db()
    cancelled.refresh_from_db()
    assert (missed.status, cancelled.status) == (OrderStatus.MISSED, OrderStatus.CANCELLED)
    share = sum(line.citizen_share_minor for order in (private, in_house) for line in order.lines.all())
    assert share == (5500 - SUBSIDY) + (4000 - SUBSIDY) + (6500 - SUBSIDY)
    return Period.month(days[0].year, days[0].month), share


def test_the_bill_carries_the_exact_share_of_delivered_meals_only(mw):
    month, share = _three_meals(mw)

    result = settlement_month_compute(actor=mw.finance, period=month)

    bill = CoPaymentBill.objects.get(citizen=mw.citizen, period_start=month.start)
    assert (bill.meals_count, bill.meals_minor) == (3, share)
    # No care fee in the policy: a bill of the meals alone.
    assert (bill.fee_minor, bill.care_amount_minor, bill.amount_minor) == (0, 0, share)
    assert result.bills == CoPaymentBill.objects.filter(period_start=month.start).count()


def test_the_care_fee_cap_does_not_cut_the_meals(mw):
    month, share = _three_meals(mw)
    settlement_policy_set(actor=mw.finance, valid_from=date(2020, 1, 1), document={
        "co_payment": {"per_hour_minor": {"PH": 15000},
                       "brackets": [{"income_up_to_minor": 20000000, "monthly_cap_minor": 10000},
                                    {"monthly_cap_minor": 300000}]}})
    CitizenIncomeFactory(citizen=mw.citizen, year=month.start.year, income_minor=15000000)
    start = datetime.combine(month.start, datetime.min.time(), tzinfo=timezone.get_current_timezone()).replace(
        hour=9)
    VisitFactory(decision=mw.decision, provider=mw.private, planned_start=start,
                 planned_end=start + timedelta(minutes=60), status="done", actual_start=start,
                 actual_end=start + timedelta(minutes=60))  # 150 kr of help, capped at 100 kr

    settlement_month_compute(actor=mw.finance, period=month)

    bill = CoPaymentBill.objects.get(citizen=mw.citizen, period_start=month.start)
    assert (bill.fee_minor, bill.cap_minor) == (15000, 10000)
    assert bill.care_amount_minor == 10000
    assert bill.amount_minor == 10000 + share  # the meals come on top of the cap
    assert bill_explanation(bill=bill).capped


def test_recomputation_gives_the_same_bill_and_hash(mw):
    month, share = _three_meals(mw)
    first = settlement_month_compute(actor=mw.finance, period=month)
    before = CoPaymentBill.objects.values_list("citizen", "meals_count", "meals_minor", "amount_minor", "input_hash")
    expected = sorted(before)
    second = settlement_month_compute(actor=mw.finance, period=month)
    assert first.input_hash == second.input_hash
    assert sorted(before) == expected

    # A meal delivered later in the month is input: it changes the bill's hash and amount.
    late_day = _days_in_one_month()[-1]
    late = _order(mw, mw.private_menu, [(mw.soup, 1)], late_day)
    _deliver(mw, late, mw.private_admin)
    third = settlement_month_compute(actor=mw.finance, period=month)
    bill = CoPaymentBill.objects.get(citizen=mw.citizen, period_start=month.start)
    assert third.input_hash != first.input_hash == expected[0][4]
    assert (bill.meals_count, bill.meals_minor, bill.input_hash) == (4, share + 4000 - SUBSIDY, third.input_hash)


def test_a_per_unit_fee_on_the_meal_service_is_refused(mw):
    month, _share = _three_meals(mw)
    document = {"co_payment": {"per_unit_minor": {"MAD": 4500}}}
    with pytest.raises(ValidationError) as raised:
        settlement_policy_set(actor=mw.finance, valid_from=date(2020, 1, 1), document=document)
    assert "MAD" in raised.value.message_dict["document"][0]
    # A policy stored before meals were billed: the month is refused, not billed twice.
    SettlementPolicy.objects.create(municipality=mw.muni, valid_from=date(2020, 1, 1), document=document,
                                    created_by=mw.finance)
    with pytest.raises(ValidationError) as raised:
        settlement_month_compute(actor=mw.finance, period=month)
    assert "billed twice" in raised.value.message_dict["period"][0]
    assert not CoPaymentBill.objects.exists()


def test_the_bill_page_pdf_source_and_api_show_the_meals(mw, client):
    month, share = _three_meals(mw)
    settlement_month_compute(actor=mw.finance, period=month)
    bill = CoPaymentBill.objects.get(citizen=mw.citizen, period_start=month.start)
    assert f"Meals: 3 delivered, your share {money(share, bill.currency)}" in bill_html(bill=bill)
    client.force_login(mw.citizen_user)
    page = client.get(reverse("settlements:bill", args=[bill.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Meals: 3 delivered, your share" in page.content.decode()
    response = client.get("/api/v1/co-payment-bills")
    assert response.status_code == 200
    [row] = [r for r in response.json()["items"] if r["id"] == str(bill.public_id)]
    assert (row["meals_count"], row["meals_minor"], row["amount_minor"]) == (3, share, share)
