from datetime import date, timedelta
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
    assert rules.validate_scores("fsiii", {}) == {}  # a draft may be empty
    assert rules.validate_scores("fsiii", {}, complete=True) == {"scores": "empty"}


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


# --- schemes, score changes, deviations, appeal deadlines ----------------------------------

AREAS = [f"J{a}.{b}" for a in range(1, 4) for b in range(1, 4)]
fsiii_scores = st.dictionaries(st.sampled_from(AREAS), st.sampled_from(sorted(rules.FSIII_SCORES)))


def test_completing_needs_every_area_of_the_scheme():
    errors = rules.validate_scores("fsiii", {"J1.1": 2}, AREAS, required=AREAS, complete=True)
    assert errors == {area: "missing" for area in AREAS if area != "J1.1"}
    assert rules.validate_scores("fsiii", {"J1.1": 2}, AREAS, required=AREAS) == {}  # a draft is partial


def test_an_area_outside_the_scheme_is_refused():
    assert rules.validate_scores("fsiii", {"X9": 1}, AREAS) == {"X9": "unknown_area"}


@given(fsiii_scores)
def test_a_complete_scoring_of_every_area_is_valid(scores):
    full = {area: scores.get(area, 9) for area in AREAS}
    assert rules.validate_scores("fsiii", full, AREAS, required=AREAS, complete=True) == {}


@given(fsiii_scores, fsiii_scores)
def test_score_changes_name_exactly_the_differing_areas(previous, current):
    changes = rules.score_changes(previous, current)
    assert {c.area for c in changes} == {a for a in set(previous) | set(current) if previous.get(a) != current.get(a)}
    assert [c.area for c in changes] == sorted(c.area for c in changes)
    for change in changes:
        assert (change.before, change.after) == (previous.get(change.area), current.get(change.area))
        if change.kind == "worse":
            assert change.after > change.before
        if change.kind == "better":
            assert change.after < change.before


@given(fsiii_scores)
def test_no_changes_against_itself(scores):
    assert rules.score_changes(scores, scores) == []


def test_change_kinds():
    previous, current = {"a": 1, "b": 3, "c": 2, "d": 0}, {"a": 2, "b": 1, "c": 9, "e": 4}
    changes = {c.area: c.kind for c in rules.score_changes(previous, current)}
    assert changes == {"a": "worse", "b": "better", "c": "changed", "d": "removed", "e": "new"}


amounts = st.decimals(min_value=Decimal("0.25"), max_value=Decimal(100), places=2)
terms = st.builds(rules.Terms, st.sampled_from(["PC", "PH"]), amounts, st.sampled_from(["hour", "minute"]),
                  st.sampled_from(["day", "week"]))


@given(st.lists(terms, max_size=4), terms)
def test_a_grant_equal_to_a_proposal_never_deviates(proposals, extra):
    all_proposals = [*proposals, extra]
    for proposal in all_proposals:
        assert not rules.deviates(proposal, all_proposals)


@given(terms)
def test_without_proposals_nothing_deviates(granted):
    assert not rules.deviates(granted, [])


def test_a_different_amount_deviates_and_trailing_zeros_do_not():
    proposal = rules.Terms("PC", Decimal("1.5"), "hour", "week")
    assert not rules.deviates(rules.Terms("PC", Decimal("1.50"), "hour", "week"), [proposal])
    assert rules.deviates(rules.Terms("PC", Decimal("2"), "hour", "week"), [proposal])
    assert rules.deviates(rules.Terms("PH", Decimal("1.5"), "hour", "week"), [proposal])


def test_appeal_deadline_by_country():
    letter = date(2026, 3, 2)
    assert rules.appeal_deadline("DK", letter) == date(2026, 3, 30)
    assert rules.appeal_deadline("SE", letter) == date(2026, 3, 23)
    assert rules.appeal_deadline("NO", letter) == date(2026, 3, 23)
    with pytest.raises(ValueError):
        rules.appeal_deadline("FI", letter)


@given(st.sampled_from(["DK", "SE", "NO"]), st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
       st.integers(min_value=0, max_value=60))
def test_appeal_in_time_exactly_until_the_deadline(country, letter, days):
    lodged = letter + timedelta(days=days)
    assert rules.appeal_in_time(country, letter, lodged) == (days <= 7 * rules.APPEAL_WEEKS[country])


def test_norway_assesses_on_iplos():
    assert rules.default_scale("NO") == "iplos"
    assert rules.default_scale("DK") == "fsiii"
    codes = [sub for _code, _label, subs in rules.IPLOS_AREAS for sub, _name in subs]
    assert len(codes) == len(set(codes)) == 17
