"""The pure rules: deadlines across DST, the payment split, the weekly limit."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.meals import rules

CPH = "Europe/Copenhagen"


def test_deadline_two_days_before_at_noon():
    deadline = rules.order_deadline(date(2026, 3, 11), 2, time(12, 0), CPH)
    assert deadline == datetime(2026, 3, 9, 12, 0, tzinfo=ZoneInfo(CPH))
    assert deadline.astimezone(UTC) == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def test_deadline_stays_at_noon_local_across_spring_forward():
    # DST starts 2026-03-29 in Copenhagen: the deadline is noon local time, not 24 h multiples.
    deadline = rules.order_deadline(date(2026, 3, 30), 2, time(12, 0), CPH)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 28, 11, 0, tzinfo=UTC)
    after = rules.order_deadline(date(2026, 3, 31), 2, time(12, 0), CPH)
    assert after.astimezone(UTC) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


def test_deadline_across_fall_back():
    deadline = rules.order_deadline(date(2026, 10, 26), 1, time(12, 0), CPH)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)


def test_a_nonexistent_wall_clock_time_lands_after_the_gap():
    deadline = rules.order_deadline(date(2026, 3, 30), 1, time(2, 30), CPH)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert deadline.hour == 3


def test_an_ambiguous_time_is_its_first_occurrence():
    deadline = rules.order_deadline(date(2026, 10, 26), 1, time(2, 30), CPH)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_deadline_is_inclusive_and_needs_an_aware_now():
    deadline = rules.order_deadline(date(2026, 3, 11), 2, time(12, 0), CPH)
    assert rules.may_still_order(deadline, deadline)
    assert not rules.may_still_order(deadline + timedelta(seconds=1), deadline)
    with pytest.raises(ValueError):
        rules.may_still_order(datetime(2026, 3, 9, 12, 0), deadline)


@given(st.dates(min_value=date(2000, 1, 10), max_value=date(2100, 1, 1)), st.integers(0, 14),
       st.times(), st.sampled_from([CPH, "Europe/Stockholm", "Europe/Oslo", "UTC"]))
def test_deadline_is_on_the_right_local_day_and_before_delivery_ends(day, days_before, at, zone):
    deadline = rules.order_deadline(day, days_before, at, zone)
    assert deadline.tzinfo is not None
    local = deadline.astimezone(ZoneInfo(zone))
    assert local.date() == day - timedelta(days=days_before)
    # The wall-clock time is kept, except in a DST gap where it moves forward by the gap.
    shift = datetime.combine(local.date(), local.time()) - datetime.combine(local.date(), at)
    assert timedelta(0) <= shift <= timedelta(hours=1)


terms = st.builds(rules.PaymentTerms, st.sampled_from(sorted(rules.MODES)), st.integers(0, 10**7))


@given(st.integers(0, 10**7), st.integers(0, 50), terms)
def test_shares_sum_to_the_price_and_are_never_negative(price, quantity, payment):
    split = rules.split_line(price, quantity, payment)
    assert split.municipality_minor + split.citizen_minor == price * quantity
    assert split.municipality_minor >= 0
    assert split.citizen_minor >= 0
    if payment.mode == rules.MODE_NOTHING:
        assert split.municipality_minor == 0


def test_split_examples():
    assert rules.split_line(5500, 2, rules.PaymentTerms("subsidy", 2000)) == rules.Split(4000, 7000)
    assert rules.split_line(1500, 1, rules.PaymentTerms("delivery", 2000)) == rules.Split(1500, 0)
    assert rules.split_line(5500, 3, rules.PaymentTerms("nothing", 2000)) == rules.Split(0, 16500)
    with pytest.raises(ValueError):
        rules.split_line(-1, 1, rules.PaymentTerms("nothing"))
    with pytest.raises(ValueError):
        rules.split_line(1, 1, rules.PaymentTerms("gift"))


def test_meals_per_week():
    assert rules.meals_per_week(Decimal(7), "week") == 7
    assert rules.meals_per_week(Decimal(1), "day") == 7
    assert rules.meals_per_week(Decimal(30), "month") == 6  # 30 ÷ 52/12 = 6.92
    assert rules.meals_per_week(Decimal(10), "period") is None
    with pytest.raises(ValueError):
        rules.meals_per_week(Decimal(1), "fortnight")


@given(st.decimals(min_value=0, max_value=1000, places=2), st.sampled_from(["day", "week", "month"]),
       st.integers(0, 10000))
def test_weekly_room_never_lets_the_week_exceed_the_grant(amount, frequency, already):
    limit = rules.meals_per_week(amount, frequency)
    assert limit is not None and limit >= 0
    room = rules.weekly_room(limit, already)
    assert room is not None and room >= 0
    assert already + room <= max(limit, already)
    if already <= limit:
        assert already + room == limit


def test_unlimited_week():
    assert rules.weekly_room(None, 100) is None


def test_week_dates_and_valid_week():
    assert rules.week_dates(2026, 1, [3, 1, 1]) == [date(2025, 12, 29), date(2025, 12, 31)]
    assert rules.valid_week(2026, 53) is True
    assert rules.valid_week(2025, 53) is False
