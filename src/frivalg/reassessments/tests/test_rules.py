"""The reassessment rules: due dates (examples and properties) and the flags' thresholds."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.reassessments import rules
from frivalg.reassessments.rules import Event, MonthFigures, ReassessmentPolicy, next_due

POLICY = ReassessmentPolicy()
LAST = date(2026, 3, 10)


def test_standard_interval_without_events():
    assert next_due(LAST, [], POLICY) == (date(2027, 3, 10), rules.REASON_STANDARD)


def test_add_months_keeps_the_end_of_a_shorter_month():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert rules.add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


def test_a_rehabilitation_course_ending_brings_it_forward():
    events = [Event(rules.EVENT_REHABILITATION_ENDED, date(2026, 5, 31))]
    assert next_due(LAST, events, POLICY) == (date(2026, 6, 30), rules.REASON_REHABILITATION)


def test_a_long_hospital_stay_brings_it_forward_but_a_short_one_does_not():
    long_stay = Event(rules.EVENT_HOSPITAL_STAY, date(2026, 4, 20), days=4)
    short_stay = Event(rules.EVENT_HOSPITAL_STAY, date(2026, 4, 20), days=3)
    assert next_due(LAST, [long_stay], POLICY) == (date(2026, 5, 4), rules.REASON_HOSPITAL)
    assert next_due(LAST, [short_stay], POLICY)[1] == rules.REASON_STANDARD


def test_a_high_care_level_shortens_the_interval():
    nursing = Event(rules.EVENT_HIGH_CARE, date(2025, 1, 1), level=4)
    personal_care = Event(rules.EVENT_HIGH_CARE, date(2025, 1, 1), level=2)
    assert next_due(LAST, [nursing], POLICY) == (date(2026, 9, 10), rules.REASON_HIGH_CARE)
    assert next_due(LAST, [personal_care], POLICY)[1] == rules.REASON_STANDARD


def test_events_before_the_last_assessment_are_already_accounted_for():
    events = [Event(rules.EVENT_REHABILITATION_ENDED, date(2026, 3, 1)),
              Event(rules.EVENT_HOSPITAL_STAY, date(2026, 3, 9), days=20)]
    assert next_due(LAST, events, POLICY)[1] == rules.REASON_STANDARD


def test_the_earliest_date_wins_and_keeps_its_reason():
    events = [Event(rules.EVENT_HIGH_CARE, date(2025, 1, 1), level=7),
              Event(rules.EVENT_REHABILITATION_ENDED, date(2026, 4, 1)),
              Event(rules.EVENT_HOSPITAL_STAY, date(2026, 8, 1), days=10)]
    assert next_due(LAST, events, POLICY) == (date(2026, 5, 1), rules.REASON_REHABILITATION)


def test_policy_errors():
    values = {name: getattr(POLICY, name) for name in rules.POLICY_BOUNDS}
    assert rules.policy_errors(values) == {}
    assert rules.policy_errors({**values, "standard_months": 0}) == {"standard_months": "out_of_range"}
    assert rules.policy_errors({**values, "high_care_months": 13}) == {"high_care_months": "longer_than_standard"}
    assert rules.policy_errors({k: v for k, v in values.items() if k != "missed_visits"}) == {
        "missed_visits": "missing"}


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
policies = st.builds(
    ReassessmentPolicy,
    standard_months=st.integers(1, 60), after_rehabilitation_months=st.integers(1, 24),
    hospital_min_days=st.integers(0, 365), after_hospital_days=st.integers(1, 365),
    high_care_level=st.integers(1, 7), high_care_months=st.integers(1, 60),
)
events = st.builds(
    Event, kind=st.sampled_from(rules.EVENT_KINDS), on=dates, days=st.integers(0, 400), level=st.integers(1, 7),
)


@given(dates, st.lists(events, max_size=6), policies)
def test_the_due_date_is_never_on_or_before_the_last_assessment(last, items, policy):
    due, reason = next_due(last, items, policy)
    assert due > last
    assert reason in rules.REASONS


@given(dates, st.lists(events, max_size=6), events, policies)
def test_adding_an_event_never_makes_it_later(last, items, extra, policy):
    before, _ = next_due(last, items, policy)
    after, _ = next_due(last, [*items, extra], policy)
    assert after <= before


@given(dates, st.lists(events, max_size=6), policies)
def test_the_order_of_events_does_not_matter(last, items, policy):
    assert next_due(last, items, policy) == next_due(last, list(reversed(items)), policy)


# --- flags ------------------------------------------------------------------------------------


def months(*pairs):
    return [MonthFigures(date(2026, i + 1, 1), granted, performed) for i, (granted, performed) in enumerate(pairs)]


def test_three_months_above_by_more_than_twenty_percent_is_a_flag():
    assert rules.time_deviation(months((600, 780), (600, 780), (600, 780)), POLICY) == rules.FLAG_TIME_ABOVE
    assert rules.time_deviation(months((600, 400), (600, 300), (600, 0)), POLICY) == rules.FLAG_TIME_BELOW


def test_exactly_twenty_percent_or_mixed_directions_is_no_flag():
    assert rules.time_deviation(months((600, 720), (600, 780), (600, 780)), POLICY) is None
    assert rules.time_deviation(months((600, 780), (600, 300), (600, 780)), POLICY) is None


def test_too_few_or_non_consecutive_months_is_no_flag():
    assert rules.time_deviation(months((600, 780), (600, 780)), POLICY) is None
    gap = [MonthFigures(date(2026, m, 1), 600, 780) for m in (1, 2, 4)]
    assert rules.time_deviation(gap, POLICY) is None


def test_percent_rounds_half_up():
    assert MonthFigures(date(2026, 1, 1), 600, 780).percent == 130
    assert MonthFigures(date(2026, 1, 1), 200, 1).percent == 1  # 0.5 %
    assert MonthFigures(date(2026, 1, 1), 300, 1).percent == 0


def test_previous_months_are_the_complete_months_before():
    assert rules.previous_months(date(2026, 2, 15), 3) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 20_000)), min_size=3, max_size=3),
       st.integers(0, 10_000))
def test_delivering_closer_to_the_grant_never_raises_a_flag_that_was_not_there(pairs, extra):
    """Moving one month's performed time towards the granted time cannot create a flag."""
    base = months(*pairs)
    granted, performed = pairs[-1]
    closer = performed + min(extra, granted - performed) if performed < granted else performed - min(
        extra, performed - granted)
    moved = months(*pairs[:-1], (granted, closer))
    if rules.time_deviation(base, POLICY) is None:
        assert rules.time_deviation(moved, POLICY) is None


@pytest.mark.parametrize(("missed", "flag"), [(2, False), (3, True), (4, True)])
def test_missed_visits_threshold(missed, flag):
    assert rules.too_many_missed(missed, POLICY) is flag


def test_stay_days_counts_both_ends():
    assert rules.stay_days(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=3)) == 4
