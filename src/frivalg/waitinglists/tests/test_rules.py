"""The ranking rule: examples, and the properties the issue asks for (need and waiting time,
never the application date alone, decide the order)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.waitinglists import rules
from frivalg.waitinglists.rules import Candidate, RankingRule, explain_moves, need_score, rank

RULE = RankingRule(need_weight=10, wait_weight=1)
DAY0 = date(2026, 1, 1)


def cand(entry_id, need, days, urgent=False, applied_on=None, public_id=None):
    return Candidate(entry_id=entry_id, need=need, waiting_days=days, urgent=urgent,
                     applied_on=applied_on or DAY0 - timedelta(days=days), public_id=public_id or f"{entry_id:08d}")


def order(ranked):
    return [r.candidate.entry_id for r in ranked]


# --- examples ------------------------------------------------------------------------------------


def test_score_and_its_explanation():
    (ranked,) = rank([cand(1, 14, 120)], RULE)
    assert ranked.score == 260
    assert ranked.position == 1
    assert ranked.explanation == "need 14 × 10 + 120 days × 1 = 260"
    assert ranked.formula == "14 × 10 + 120 × 1 = 260"


def test_need_outranks_an_earlier_application():
    early_low_need = cand(1, need=2, days=60)     # 20 + 60 = 80
    late_high_need = cand(2, need=12, days=5)     # 120 + 5 = 125
    assert order(rank([early_low_need, late_high_need], RULE)) == [2, 1]


def test_urgent_goes_first_and_ties_go_to_the_earlier_application_then_the_id():
    a = cand(1, 5, 10, applied_on=date(2026, 1, 2), public_id="b")
    b = cand(2, 5, 10, applied_on=date(2026, 1, 1), public_id="c")
    c = cand(3, 5, 10, applied_on=date(2026, 1, 1), public_id="a")
    urgent = cand(4, 0, 0, urgent=True)
    assert order(rank([a, b, c, urgent], RULE)) == [4, 3, 2, 1]


def test_urgent_explanation_says_so():
    (ranked,) = rank([cand(1, 3, 2, urgent=True)], RULE)
    assert ranked.explanation == "urgent; need 3 × 10 + 2 days × 1 = 32"


def test_negative_weights_are_refused():
    with pytest.raises(ValueError):
        RankingRule(need_weight=-1, wait_weight=1)


def test_need_score_fsiii_sums_one_to_four_and_ignores_nine():
    assert need_score({"J1": 4, "J2": 0, "J3": 9, "J4": 2}, "fsiii") == 6
    assert need_score([9, 9, 0], "fsiii") == 0


def test_need_score_iplos_counts_above_independent():
    assert need_score({"a": 1, "b": 5, "c": 3}, "iplos") == 0 + 4 + 2


def test_need_score_unknown_scale():
    with pytest.raises(ValueError):
        need_score({"J1": 1}, "other")


def test_moves_new_entry_above():
    before = rank([cand(1, 5, 10), cand(2, 3, 10)], RULE)
    after = rank([cand(1, 5, 10), cand(2, 3, 10), cand(3, 9, 1)], RULE)
    moves = {m.entry_id: m for m in explain_moves(before, after)}
    assert set(moves) == {1, 2}
    assert moves[1].code == rules.NEW_ENTRY_ABOVE and moves[1].cause_entry_id == 3
    assert (moves[1].old_position, moves[1].new_position) == (1, 2)
    assert (moves[2].old_position, moves[2].new_position) == (2, 3)


def test_moves_reassessed_self_and_others():
    before = rank([cand(1, 5, 10), cand(2, 3, 10)], RULE)
    after = rank([cand(1, 5, 10), cand(2, 8, 10)], RULE)
    moves = {m.entry_id: m for m in explain_moves(before, after)}
    assert moves[2].code == rules.REASSESSED and moves[2].cause_entry_id is None
    assert moves[1].code == rules.REASSESSED and moves[1].cause_entry_id == 2
    assert (moves[1].old_score, moves[1].new_score) == (60, 60)
    assert (moves[2].old_score, moves[2].new_score) == (40, 90)


def test_moves_urgent():
    before = rank([cand(1, 5, 10), cand(2, 3, 10)], RULE)
    after = rank([cand(1, 5, 10), cand(2, 3, 10, urgent=True)], RULE)
    moves = {m.entry_id: m for m in explain_moves(before, after)}
    assert moves[2].code == rules.URGENT
    assert moves[1].code == rules.URGENT and moves[1].cause_entry_id == 2


def test_moves_departures_placed_or_withdrawn():
    before = rank([cand(1, 9, 10), cand(2, 5, 10), cand(3, 3, 10)], RULE)
    after = rank([cand(2, 5, 10), cand(3, 3, 10)], RULE)
    placed = {m.entry_id: m.code for m in explain_moves(before, after, {1: rules.PLACED_ABOVE})}
    assert placed == {2: rules.PLACED_ABOVE, 3: rules.PLACED_ABOVE}
    withdrawn = {m.entry_id: m.code for m in explain_moves(before, after)}
    assert withdrawn == {2: rules.WITHDRAWN_ABOVE, 3: rules.WITHDRAWN_ABOVE}


def test_moves_rule_changed():
    candidates = [cand(1, 2, 100), cand(2, 9, 1)]
    before = rank(candidates, RULE)
    after = rank(candidates, RankingRule(need_weight=100, wait_weight=1, version=2))
    assert order(before) == [1, 2] and order(after) == [2, 1]
    assert {m.code for m in explain_moves(before, after)} == {rules.RULE_CHANGED}


def test_no_change_no_moves():
    candidates = [cand(1, 2, 100), cand(2, 9, 1)]
    assert explain_moves(rank(candidates, RULE), rank(candidates, RULE)) == []


# --- properties ----------------------------------------------------------------------------------

rules_st = st.builds(RankingRule, need_weight=st.integers(0, 50), wait_weight=st.integers(0, 50))


@st.composite
def candidate_lists(draw, min_size=1):
    n = draw(st.integers(min_size, 12))
    result = []
    for i in range(n):
        days = draw(st.integers(0, 2000))
        result.append(Candidate(
            entry_id=i, need=draw(st.integers(0, 80)), waiting_days=days, urgent=draw(st.booleans()),
            applied_on=DAY0 - timedelta(days=days), public_id=f"{draw(st.integers(0, 10**6)):07d}-{i}",
        ))
    return result


def _position(ranked, entry_id):
    return next(r.position for r in ranked if r.candidate.entry_id == entry_id)


@given(candidate_lists(), rules_st, st.data())
def test_a_higher_need_never_lowers_the_rank_with_equal_waiting_time(candidates, rule, data):
    i = data.draw(st.integers(0, len(candidates) - 1))
    more = data.draw(st.integers(1, 40))
    raised = list(candidates)
    raised[i] = replace(candidates[i], need=candidates[i].need + more)
    entry_id = candidates[i].entry_id
    assert _position(rank(raised, rule), entry_id) <= _position(rank(candidates, rule), entry_id)


@given(candidate_lists(min_size=2), rules_st)
def test_between_two_with_equal_wait_and_urgency_the_higher_need_ranks_higher(candidates, rule):
    ranked = rank(candidates, rule)
    for a in ranked:
        for b in ranked:
            ca, cb = a.candidate, b.candidate
            if (ca.waiting_days == cb.waiting_days and ca.urgent == cb.urgent and ca.need > cb.need
                    and rule.need_weight > 0):
                assert a.position < b.position


@given(candidate_lists(), rules_st, st.data())
def test_a_longer_wait_never_lowers_the_rank_with_equal_need(candidates, rule, data):
    i = data.draw(st.integers(0, len(candidates) - 1))
    more = data.draw(st.integers(1, 400))
    c = candidates[i]
    longer = list(candidates)
    longer[i] = replace(c, waiting_days=c.waiting_days + more, applied_on=c.applied_on - timedelta(days=more))
    assert _position(rank(longer, rule), c.entry_id) <= _position(rank(candidates, rule), c.entry_id)


@given(candidate_lists(), rules_st, st.randoms(use_true_random=False))
def test_the_ranking_is_a_total_order_independent_of_input_order(candidates, rule, random):
    shuffled = list(candidates)
    random.shuffle(shuffled)
    first, second = rank(candidates, rule), rank(shuffled, rule)
    assert order(first) == order(second)
    assert [r.position for r in first] == list(range(1, len(candidates) + 1))
    assert sorted(order(first)) == sorted(c.entry_id for c in candidates)


@given(candidate_lists(), rules_st)
def test_an_urgent_candidate_ranks_above_every_non_urgent_one(candidates, rule):
    ranked = rank(candidates, rule)
    urgent = [r.position for r in ranked if r.candidate.urgent]
    calm = [r.position for r in ranked if not r.candidate.urgent]
    if urgent and calm:
        assert max(urgent) < min(calm)


@given(candidate_lists(), rules_st, st.data())
def test_explained_moves_are_exactly_the_changed_positions(candidates, rule, data):
    i = data.draw(st.integers(0, len(candidates) - 1))
    changed = list(candidates)
    changed[i] = replace(candidates[i], need=data.draw(st.integers(0, 80)), urgent=data.draw(st.booleans()))
    before, after = rank(candidates, rule), rank(changed, rule)
    moves = explain_moves(before, after)
    old = {r.candidate.entry_id: r.position for r in before}
    new = {r.candidate.entry_id: r.position for r in after}
    assert {m.entry_id for m in moves} == {e for e in new if old[e] != new[e]}
    assert all(m.code in rules.MOVE_CODES for m in moves)
    assert all(m.code in (rules.URGENT, rules.REASSESSED) for m in moves)
