"""The pure rules: working-day deadlines, evidence sniffing and the frame of a grant."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.changerequests import rules

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
holiday_sets = st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2101, 3, 31)), max_size=40)
counts = st.integers(min_value=1, max_value=40)


@given(days, counts, holiday_sets)
def test_the_deadline_is_a_working_day_strictly_after_the_start(start, n, holidays):
    due = rules.add_working_days(start, n, holidays)
    assert due > start
    assert rules.is_working_day(due, holidays)


@given(days, counts, holiday_sets)
def test_the_deadline_counts_exactly_n_working_days(start, n, holidays):
    due = rules.add_working_days(start, n, holidays)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(rules.is_working_day(day, holidays) for day in between) == n


@given(days, counts, counts, holiday_sets)
def test_the_deadline_is_monotone_in_n(start, a, b, holidays):
    low, high = sorted((a, b))
    assert rules.add_working_days(start, low, holidays) <= rules.add_working_days(start, high, holidays)
    if low < high:
        assert rules.add_working_days(start, low, holidays) < rules.add_working_days(start, high, holidays)


@given(days, counts, holiday_sets, days)
def test_more_holidays_never_bring_the_deadline_earlier(start, n, holidays, extra):
    assert rules.add_working_days(start, n, holidays | {extra}) >= rules.add_working_days(start, n, holidays)


def test_a_friday_request_skips_the_weekend_and_a_holiday():
    friday = date(2026, 5, 8)
    ascension = date(2026, 5, 14)  # Thursday
    assert rules.add_working_days(friday, 3, set()) == date(2026, 5, 13)
    assert rules.add_working_days(friday, 4, {ascension}) == date(2026, 5, 15)


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError):
        rules.add_working_days(date(2026, 1, 1), 0, set())


@pytest.mark.parametrize(("head", "expected"), [
    (b"%PDF-1.7\n", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"MZ\x90\x00", None),
    (b"", None),
])
def test_the_type_is_read_from_the_content(head, expected):
    assert rules.sniff_content_type(head) == expected


def test_evidence_problems():
    assert rules.evidence_problem(b"%PDF-1.4", 100) is None
    assert rules.evidence_problem(b"%PDF-1.4", 0) == "empty"
    assert rules.evidence_problem(b"%PDF-1.4", rules.EVIDENCE_MAX_BYTES + 1) == "too_big"
    assert rules.evidence_problem(b"%PDF-1.4", rules.EVIDENCE_MAX_BYTES) is None
    assert rules.evidence_problem(b"<html>", 100) == "wrong_type"


@pytest.mark.parametrize(("amount", "unit", "frequency", "kind", "days", "expected"), [
    ("90", "minute", "week", "week", 7, 90),
    ("1.5", "hour", "week", "week", 7, 90),
    ("30", "minute", "day", "week", 7, 210),
    ("30", "minute", "day", "month", 31, 930),
    ("10", "hour", "month", "month", 30, 600),
    ("1", "hour", "week", "month", 28, 240),
    ("10", "hour", "month", "week", 7, 138),  # 600 × 12/365 × 7 = 138.08, rounded down
])
def test_granted_minutes_per_period(amount, unit, frequency, kind, days, expected):
    grant = rules.Grant(Decimal(amount), unit, frequency)
    assert rules.granted_minutes(grant, kind, days) == expected


def test_no_frame_for_grants_not_of_time():
    assert rules.granted_minutes(rules.Grant(Decimal(3), "visit", "week"), "week", 7) is None
    assert rules.granted_minutes(rules.Grant(Decimal(3), "hour", "period"), "week", 7) is None


@given(st.integers(0, 10_000), st.integers(-100, 20_000), st.integers(-100, 20_000))
def test_a_move_is_within_the_frame_exactly_when_the_total_stays_within_the_grant(granted, moved, planned):
    move = rules.FrameMove(granted_minutes=granted, minutes_moved=moved, planned_minutes_after=planned)
    expected = 0 < moved <= granted and 0 <= planned <= granted
    assert rules.within_frame(move) is expected


@given(st.integers(1, 10_000), st.integers(1, 10_000), st.integers(0, 10_000))
def test_more_planned_time_never_turns_a_refusal_into_an_acceptance(granted, moved, planned):
    refused = not rules.within_frame(rules.FrameMove(granted, moved, planned))
    if refused:
        assert not rules.within_frame(rules.FrameMove(granted, moved, planned + 1))


@given(days, st.sampled_from(["week", "month"]))
def test_the_frame_period_contains_the_day(day, kind):
    period = rules.frame_period(kind, day)
    assert period.contains(day)
    if kind == "week":
        assert period.start.weekday() == 0 and period.days == 7
    else:
        assert period.start.day == 1 and 28 <= period.days <= 31


amounts = st.decimals(min_value=Decimal("0.25"), max_value=Decimal(100), places=2)


@given(amounts, amounts, st.sampled_from(["minute", "hour"]), st.sampled_from(["day", "week", "month"]),
       st.sampled_from([("week", 7), ("month", 28), ("month", 31)]))
def test_a_larger_grant_never_has_a_smaller_frame(a, b, unit, frequency, period):
    low, high = sorted((a, b))
    kind, length = period
    small = rules.granted_minutes(rules.Grant(low, unit, frequency), kind, length)
    large = rules.granted_minutes(rules.Grant(high, unit, frequency), kind, length)
    assert small is not None and large is not None and 0 <= small <= large
