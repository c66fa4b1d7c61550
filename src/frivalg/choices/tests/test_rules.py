from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.choices.rules import Candidate, pick_default, switch_effective_date


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
