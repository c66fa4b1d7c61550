from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.choices.rules import (
    Candidate,
    CitizenVisits,
    continuity,
    need_points,
    per_hundred,
    pick_default,
    prices_differ,
    quarter_of,
    satisfaction,
    share_percent,
    switch_effective_date,
)


def c(pid, kind="private", left=10, defaults=0, local=True):
    return Candidate(provider_id=pid, kind=kind, capacity_left=left, default_assignments=defaults,
                     serves_district=local)


def test_in_house_rule_picks_the_in_house_provider():
    assert pick_default("in_house", [c(1), c(2, kind="in_house")], "s") == 2


def test_rotation_picks_the_fewest_default_assignments():
    assert pick_default("rotation", [c(1, defaults=3), c(2, defaults=1), c(3, defaults=1)], "s") == 2


def test_nearest_prefers_local_with_most_capacity():
    assert pick_default("nearest", [c(1, left=5), c(2, left=9, local=False), c(3, left=7)], "s") == 3


def test_providers_without_capacity_are_never_assigned():
    assert pick_default("rotation", [c(1, left=0)], "s") is None
    assert pick_default("in_house", [c(1, kind="in_house", left=0)], "s") is None


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError):
        pick_default("coin", [c(1)], "s")


@given(st.text(min_size=1, max_size=20))
def test_lottery_is_reproducible_and_picks_a_local_provider_with_capacity(seed):
    candidates = [c(1, left=1), c(2, left=100), c(3, left=0), c(4, local=False)]
    first = pick_default("lottery", candidates, seed)
    assert first == pick_default("lottery", candidates, seed)
    assert first in {1, 2}


def test_lottery_is_weighted_by_capacity():
    candidates = [c(1, left=1), c(2, left=99)]
    picks = [pick_default("lottery", candidates, str(i)) for i in range(400)]
    assert picks.count(2) > 350


def test_switch_notice():
    assert switch_effective_date(date(2026, 3, 25), 10) == date(2026, 4, 4)
    with pytest.raises(ValueError):
        switch_effective_date(date(2026, 3, 25), -1)


# --- fairness of the default rules --------------------------------------------------------

RULES = ("rotation", "lottery", "nearest", "in_house")


@given(n=st.integers(min_value=1, max_value=8), k=st.integers(min_value=1, max_value=6),
       ids=st.lists(st.integers(min_value=1, max_value=10_000), min_size=8, max_size=8, unique=True))
def test_rotation_gives_each_provider_exactly_k_of_n_times_k_and_never_drifts(n, k, ids):
    counts = dict.fromkeys(ids[:n], 0)
    for _ in range(n * k):
        candidates = [c(pid, left=10_000, defaults=counts[pid]) for pid in counts]
        picked = pick_default("rotation", candidates, "seed")
        counts[picked] += 1
        assert max(counts.values()) - min(counts.values()) <= 1  # spread within one at every prefix
    assert set(counts.values()) == {k}


@pytest.mark.parametrize("capacities", [(10, 30, 60), (1, 1, 1, 1), (5, 95), (20, 20, 60)])
def test_lottery_frequencies_are_proportional_to_capacity(capacities):
    candidates = [c(pid, left=left) for pid, left in enumerate(capacities, start=1)]
    draws = 4000
    picks = [pick_default("lottery", candidates, f"decision-{i}") for i in range(draws)]
    total = sum(capacities)
    for pid, left in enumerate(capacities, start=1):
        assert abs(picks.count(pid) / draws - left / total) < 0.04, (pid, picks.count(pid))


candidate_lists = st.lists(
    st.builds(
        Candidate,
        provider_id=st.integers(min_value=1, max_value=50),
        kind=st.sampled_from(["in_house", "private", "non_profit"]),
        capacity_left=st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
        default_assignments=st.integers(min_value=0, max_value=30),
        serves_district=st.booleans(),
    ),
    max_size=8,
    unique_by=lambda cand: cand.provider_id,
)


@given(candidates=candidate_lists, seed=st.text(max_size=8))
def test_nearest_never_leaves_the_district_when_someone_inside_has_room(candidates, seed):
    picked = pick_default("nearest", candidates, seed)
    inside_with_room = [x for x in candidates if x.serves_district and (x.capacity_left is None or x.capacity_left > 0)]
    if inside_with_room:
        assert picked in {x.provider_id for x in inside_with_room}


@given(rule=st.sampled_from(RULES), candidates=candidate_lists, seed=st.text(max_size=8))
def test_nobody_is_assigned_to_a_full_provider(rule, candidates, seed):
    picked = pick_default(rule, candidates, seed)
    by_id = {x.provider_id: x for x in candidates}
    if picked is not None:
        assert by_id[picked].capacity_left != 0
    elif rule != "in_house":
        assert not any(x.capacity_left != 0 for x in candidates if x.serves_district or rule == "nearest")


# --- quality figures ------------------------------------------------------------------------


def test_continuity_counts_only_citizens_with_two_or_more_visits_a_day():
    assert continuity([CitizenVisits(visits=28, days_with_visits=14, caregivers=3),
                       CitizenVisits(visits=14, days_with_visits=14, caregivers=9)]) == Decimal("3.0")
    assert continuity([CitizenVisits(28, 14, 3), CitizenVisits(30, 14, 4)]) == Decimal("3.5")
    assert continuity([CitizenVisits(10, 10, 2)]) is None
    assert continuity([]) is None


@given(part=st.integers(min_value=0, max_value=1000), extra=st.integers(min_value=0, max_value=1000))
def test_share_percent_is_between_0_and_100(part, extra):
    whole = part + extra
    share = share_percent(part, whole)
    if whole == 0:
        assert share is None
    else:
        assert Decimal(0) <= share <= Decimal(100)


def test_share_and_per_hundred():
    assert share_percent(3, 4) == Decimal("75.0")
    assert share_percent(0, 0) is None
    with pytest.raises(ValueError):
        share_percent(5, 4)
    assert per_hundred(3, 40) == Decimal("7.5")
    assert per_hundred(1, 0) is None


def test_satisfaction_is_hidden_under_five_answers():
    assert satisfaction(16 * 4, 4, 4).hidden
    assert satisfaction(16 * 4, 4, 4).answers == 4
    shown = satisfaction(5 * 4 * 4, 5, 4)
    assert not shown.hidden and shown.mean == Decimal("4.0")


def test_prices_differ_only_when_known_prices_differ():
    assert not prices_differ({"in_house": 40000, "private": 40000})
    assert not prices_differ({"in_house": 40000, "private": None})
    assert prices_differ({"in_house": 40000, "private": 41500})


def test_quarter_and_need_points():
    assert quarter_of(date(2026, 1, 1)) == "2026Q1"
    assert quarter_of(date(2026, 12, 31)) == "2026Q4"
    assert need_points({"J1": 3, "J2": 9, "J3": 0}, "fsiii") == 3
    assert need_points({"a": 1, "b": 5}, "iplos") == 4
    assert need_points({"a": 1}, "other") is None
