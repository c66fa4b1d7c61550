from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.followup.rules import (
    GrantGroup,
    average_weekly_hours,
    concentration,
    granted_hours,
    hhi,
    overlap_days,
    ratio,
    shares,
)

counts_tables = st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 10_000), max_size=12)


def test_shares_are_fractions_of_the_total():
    assert shares({"a": 1, "b": 3}) == {"a": Decimal("0.25"), "b": Decimal("0.75")}
    assert shares({"a": 0, "b": 2}) == {"a": Decimal(0), "b": Decimal(1)}
    assert shares({}) == {}
    assert shares({"a": 0}) == {}
    with pytest.raises(ValueError):
        shares({"a": -1, "b": 2})


def test_hhi_on_the_0_to_10000_scale():
    assert hhi({"monopoly": Decimal(1)}) == Decimal(10000)
    assert hhi(shares({"a": 1, "b": 1})) == Decimal(5000)
    assert hhi(shares({str(n): 1 for n in range(4)})) == Decimal(2500)
    assert hhi(shares({"a": 1, "b": 1, "c": 1})) == Decimal("3333.33")
    assert hhi([Decimal("0.6"), Decimal("0.4")]) == Decimal(5200)
    assert hhi({}) == Decimal(0)


def test_concentration_levels():
    assert concentration(Decimal(1499)) == "unconcentrated"
    assert concentration(Decimal(1500)) == "moderate"
    assert concentration(Decimal(2500)) == "moderate"
    assert concentration(Decimal("2500.01")) == "high"


@given(counts_tables)
def test_shares_sum_to_one(counts):
    result = shares(counts)
    if sum(counts.values()) == 0:
        assert result == {}
    else:
        assert set(result) == set(counts)
        assert abs(sum(result.values()) - 1) < Decimal("1e-20")
        assert all(0 <= share <= 1 for share in result.values())


@given(counts_tables)
def test_hhi_lies_between_equal_shares_and_monopoly(counts):
    result = shares(counts)
    if not result:
        return
    active = sum(1 for count in counts.values() if count > 0)
    index = hhi(result)
    assert Decimal(10000) / active - Decimal("0.01") <= index <= Decimal(10000)


@given(counts_tables, st.randoms())
def test_hhi_does_not_depend_on_the_order_or_the_names(counts, random):
    values = list(counts.values())
    random.shuffle(values)
    renamed = {f"p{n}": count for n, count in enumerate(values)}
    assert hhi(shares(counts)) == hhi(shares(renamed))


@given(st.integers(1, 10_000), st.integers(1, 50))
def test_merging_two_providers_never_lowers_concentration(first, second):
    before = hhi(shares({"a": first, "b": second, "c": 10}))
    after = hhi(shares({"ab": first + second, "c": 10}))
    assert after >= before


def test_ratio():
    assert ratio(1, 3) == Decimal("0.3333")
    assert ratio(Decimal("2.25"), Decimal("20.31")) == Decimal("0.1108")
    assert ratio(5, 0) is None


@given(
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    st.one_of(st.none(), st.integers(0, 400)),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    st.integers(0, 100),
)
def test_overlap_days_counts_the_days_in_both(valid_from, length, start, days):
    valid_to = None if length is None else valid_from + timedelta(days=length)
    end = start + timedelta(days=days)
    expected = sum(
        1
        for n in range(days)
        if valid_from <= start + timedelta(days=n) and (valid_to is None or start + timedelta(days=n) <= valid_to)
    )
    assert overlap_days(valid_from, valid_to, start, end) == expected


def test_granted_hours_for_a_period():
    march = (date(2026, 3, 1), date(2026, 4, 1))
    weekly = GrantGroup(date(2026, 1, 1), None, "hour", "week", Decimal(7))
    assert granted_hours([weekly], *march) == Decimal(31)
    daily_minutes = GrantGroup(date(2026, 3, 1), date(2026, 3, 7), "minute", "day", Decimal(60))
    assert granted_hours([daily_minutes], *march) == Decimal(7)
    monthly = GrantGroup(date(2025, 1, 1), None, "hour", "month", Decimal("36.5"))
    assert granted_hours([monthly], *march) == Decimal("37.2")  # 36.5 h a month is 1.2 h a day
    whole_period = GrantGroup(date(2026, 3, 1), date(2026, 3, 14), "hour", "period", Decimal(14))
    assert granted_hours([whole_period], *march) == Decimal(14)
    open_period = GrantGroup(date(2026, 3, 1), None, "hour", "period", Decimal(14))
    meals = GrantGroup(date(2026, 3, 1), None, "meal", "day", Decimal(2))
    outside = GrantGroup(date(2026, 5, 1), None, "hour", "week", Decimal(7))
    assert granted_hours([open_period, meals, outside], *march) == Decimal(0)


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        granted_hours(
            [GrantGroup(date(2026, 3, 1), None, "hour", "fortnight", Decimal(1))], date(2026, 3, 1), date(2026, 4, 1)
        )


@given(
    st.decimals(min_value=Decimal("0.25"), max_value=Decimal(40), places=2),
    st.sampled_from(["day", "week", "month"]),
    st.integers(1, 90),
    st.integers(1, 90),
)
def test_granted_hours_grow_with_the_days_in_force(amount, frequency, first, second):
    start = date(2026, 1, 1)
    fewer, more = sorted((first, second))
    group = GrantGroup(start, None, "hour", frequency, amount)
    assert granted_hours([group], start, start + timedelta(days=fewer)) <= granted_hours(
        [group], start, start + timedelta(days=more)
    )


def test_average_weekly_hours():
    assert average_weekly_hours(Decimal(31), 31, 1) == Decimal(7)
    assert average_weekly_hours(Decimal(62), 31, 2) == Decimal(7)
    assert average_weekly_hours(Decimal(10), 31, 0) is None
