from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.assessments import rules


def test_fsiii_scores_accept_0_to_4_and_9_only():
    assert rules.validate_scores("fsiii", {"J1.1": 0, "J1.2": 4, "J3.8": 9}) == {}
    assert rules.validate_scores("fsiii", {"J1.1": 5, "J1.2": 7}) == {"J1.1": "out_of_scale", "J1.2": "out_of_scale"}


def test_iplos_is_one_to_five():
    assert rules.validate_scores("iplos", {"a": 1, "b": 5}) == {}
    assert rules.validate_scores("iplos", {"a": 0}) == {"a": "out_of_scale"}


def test_unknown_scale_and_empty_scores():
    assert rules.validate_scores("abc", {"a": 1}) == {"scale": "unknown_scale"}
    assert rules.validate_scores("fsiii", {}) == {"scores": "empty"}


def test_weekly_hours_round_trip_from_each_frequency():
    assert rules.weekly_hours(Decimal("1.5"), "hour", "week") == Decimal("1.5")
    assert rules.weekly_hours(Decimal(30), "minute", "day") == Decimal("3.5")
    assert rules.monthly_minutes(Decimal(4), "hour", "month") == Decimal(240)


def test_period_grant_is_spread_over_its_days():
    per_month = rules.monthly_amount(Decimal(10), "period", period_days=365)
    assert per_month.quantize(Decimal("0.001")) == Decimal("0.833")
    with pytest.raises(ValueError):
        rules.monthly_amount(Decimal(10), "period")


def test_only_time_units_convert():
    assert rules.units_compatible("hour", "minute")
    assert not rules.units_compatible("meal", "hour")
    assert rules.units_compatible("meal", "meal")
    with pytest.raises(ValueError):
        rules.monthly_minutes(Decimal(1), "meal", "week")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(200), places=2),
       st.sampled_from(["day", "week", "month"]))
def test_minutes_and_hours_agree(amount, frequency):
    assert rules.monthly_minutes(amount, "hour", frequency) == rules.monthly_minutes(amount * 60, "minute", frequency)


@given(st.dates(), st.one_of(st.none(), st.dates()))
def test_period_validity(start, end):
    assert rules.period_is_valid(start, end) == (end is None or end >= start)


def test_period_is_valid_same_day():
    assert rules.period_is_valid(date(2026, 1, 1), date(2026, 1, 1))
