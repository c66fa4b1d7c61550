"""The guideline rules: examples, validation codes, and hypothesis properties."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from frivalg.guidelines.rules import Condition, Proposal, Rule, parse_conditions, propose, validate_amount

J1_AT_LEAST_2 = (Condition("J1", ">=", 2),)


def rule(label="R", conditions=J1_AT_LEAST_2, service="PC", level=2, amount="30", unit="minute",
         frequency="day", combine="all", order=0):
    return Rule(label=label, conditions=tuple(conditions), service_code=service, care_level=level,
                amount=Decimal(amount), unit=unit, frequency=frequency, explanation=f"because {label}",
                combine=combine, order=order)


# --- examples ---------------------------------------------------------------------------------


def test_a_prefix_covers_its_sub_areas_and_a_sub_area_only_itself():
    assert Condition("J1", ">=", 2).holds({"J1.3": 2}, "fsiii")
    assert not Condition("J1.1", ">=", 2).holds({"J1.10": 4}, "fsiii")
    assert Condition("J1.1", ">=", 2).holds({"J1.1": 3}, "fsiii")
    assert not Condition("J1", ">=", 2).holds({"J2.1": 4}, "fsiii")


def test_nine_never_satisfies_a_condition_on_fsiii():
    for op, threshold in ((">=", 0), ("<=", 4), ("=", 4)):
        assert not Condition("J1.1", op, threshold).holds({"J1.1": 9}, "fsiii")


def test_comparisons():
    assert Condition("J1.1", "<=", 1).holds({"J1.1": 1}, "fsiii")
    assert not Condition("J1.1", "<=", 1).holds({"J1.1": 2}, "fsiii")
    assert Condition("J1.1", "=", 3).holds({"J1.1": 3}, "fsiii")
    assert not Condition("J1.1", "=", 3).holds({"J1.1": 4}, "fsiii")


def test_all_and_any():
    both = (Condition("J1", ">=", 2), Condition("J3", ">=", 3))
    scores = {"J1.1": 2, "J3.5": 1}
    assert not rule(conditions=both, combine="all").holds(scores, "fsiii")
    assert rule(conditions=both, combine="any").holds(scores, "fsiii")
    assert not rule(conditions=()).holds(scores, "fsiii")


def test_the_largest_amount_per_day_wins_and_the_result_is_ordered_by_care_level():
    rules = [
        rule("care 30/day", amount="30"),
        rule("care 3 h/week", amount="3", unit="hour", frequency="week"),  # 25.7 min/day
        rule("cleaning", conditions=[Condition("J2", ">=", 2)], service="PH", level=1, amount="1", unit="hour",
             frequency="week"),
    ]
    result = propose({"J1.1": 3, "J2.1": 2}, rules, "fsiii")
    assert result == [
        Proposal("PH", Decimal("1"), "hour", "week", "cleaning", "because cleaning"),
        Proposal("PC", Decimal("30"), "minute", "day", "care 30/day", "because care 30/day"),
    ]


def test_equal_amounts_per_day_go_to_the_lowest_order():
    rules = [rule("late", amount="7", unit="hour", frequency="week", order=20),
             rule("early", amount="60", order=10)]
    assert propose({"J1.1": 2}, rules, "fsiii")[0].rule_label == "early"


def test_no_rule_holds_no_proposal():
    assert propose({"J1.1": 1}, [rule()], "fsiii") == []


def test_iplos_thresholds_run_from_one_to_five():
    assert rule(conditions=[Condition("ADL", ">=", 4)]).holds({"ADL.1": 5}, "iplos")


# --- validation --------------------------------------------------------------------------------


def test_valid_conditions_parse():
    conditions, errors = parse_conditions([{"area": "J1", "op": ">=", "score": 2},
                                           {"area": "J3.5", "op": "=", "score": 4}], "fsiii")
    assert errors == {}
    assert conditions == (Condition("J1", ">=", 2), Condition("J3.5", "=", 4))


def test_invalid_conditions_give_error_codes():
    assert parse_conditions("J1>=2", "fsiii")[1] == {"conditions": "not_a_list"}
    assert parse_conditions([], "fsiii")[1] == {"conditions": "empty"}
    assert parse_conditions([{"area": "J1", "op": ">=", "score": 2}] * 11, "fsiii")[1] == {"conditions": "too_many"}
    assert parse_conditions([{}], "xyz")[1] == {"conditions": "unknown_scale"}
    _, errors = parse_conditions([
        "J1",
        {"area": "J 1", "op": ">", "score": 5},
        {"area": "J1", "op": ">=", "score": 9},
        {"area": "J1", "op": ">=", "score": True},
        {"area": "J1", "op": ">=", "score": 2, "extra": 1},
    ], "fsiii")
    assert errors == {
        "conditions.0": "not_an_object",
        "conditions.1.area": "area_invalid", "conditions.1.op": "op_invalid", "conditions.1.score": "score_invalid",
        "conditions.2.score": "score_not_relevant",
        "conditions.3.score": "score_invalid",
        "conditions.4": "unknown_key",
    }
    assert parse_conditions([{"area": "A", "op": ">=", "score": 0}], "iplos")[1] == {
        "conditions.0.score": "score_invalid"}


def test_amount_frequency_and_combination_are_validated():
    assert validate_amount(Decimal("0"), "period", "some") == {
        "amount": "amount_not_positive", "frequency": "frequency_invalid", "combine": "combine_invalid"}
    assert validate_amount(Decimal("NaN"), "day", "all") == {"amount": "amount_not_positive"}
    assert validate_amount(Decimal("1"), "week", "any") == {}


# --- properties --------------------------------------------------------------------------------

AREAS = ["J1", "J1.1", "J1.2", "J2", "J2.1", "J3.5", "J4.2"]
SCORED = ["J1.1", "J1.2", "J2.1", "J3.5", "J4.2"]
SERVICES = [("PH", 1), ("PC", 2), ("MAD", 3), ("SYG", 4)]
fsiii_scores = st.fixed_dictionaries({area: st.integers(0, 4) for area in SCORED})


def rules_with(ops):
    condition = st.builds(Condition, st.sampled_from(AREAS), ops, st.integers(0, 4))
    one = st.builds(
        lambda label, conditions, service, amount, unit, frequency, combine, order: rule(
            label, conditions, service[0], service[1], amount, unit, frequency, combine, order),
        st.sampled_from(["a", "b", "c"]),
        st.lists(condition, min_size=1, max_size=3),
        st.sampled_from(SERVICES),
        st.decimals(min_value=1, max_value=600, places=0).map(str),
        st.sampled_from(["minute", "hour"]),
        st.sampled_from(["day", "week", "month"]),
        st.sampled_from(["all", "any"]),
        st.integers(0, 5),
    )
    return st.lists(one, max_size=8)


any_rules = rules_with(st.sampled_from([">=", "<=", "="]))
at_least_rules = rules_with(st.just(">="))


def per_day(proposals, rules):
    """Service code → the proposed amount per day (minutes), from the rule that proposed it."""
    by_label = {(r.service_code, r.label, r.amount, r.unit, r.frequency): r for r in rules}
    return {p.service_code: by_label[(p.service_code, p.rule_label, p.amount, p.unit, p.frequency)].amount_per_day()
            for p in proposals}


@given(rules=at_least_rules, scores=fsiii_scores, raise_by=st.fixed_dictionaries(
    {area: st.integers(0, 4) for area in SCORED}))
def test_a_higher_need_never_lowers_the_proposal(rules, scores, raise_by):
    """When every condition is "≥": raising any FSIII scores (staying within 0–4) keeps every
    proposed service proposed, with an amount per day at least as large."""
    higher = {area: min(4, score + raise_by[area]) for area, score in scores.items()}
    before = per_day(propose(scores, rules, "fsiii"), rules)
    after = per_day(propose(higher, rules, "fsiii"), rules)
    for service, amount in before.items():
        assert service in after
        assert after[service] >= amount


@given(rules=any_rules, scores=fsiii_scores, data=st.data())
def test_removing_a_rule_never_adds_a_proposal(rules, scores, data):
    """Whatever the comparisons: without one rule, the proposed services are a subset, and no
    service's amount per day grows."""
    if not rules:
        return
    index = data.draw(st.integers(0, len(rules) - 1))
    fewer = rules[:index] + rules[index + 1:]
    full = per_day(propose(scores, rules, "fsiii"), rules)
    reduced = per_day(propose(scores, fewer, "fsiii"), fewer)
    assert set(reduced) <= set(full)
    for service, amount in reduced.items():
        assert amount <= full[service]


@given(rules=any_rules, scores=fsiii_scores, data=st.data())
def test_the_result_does_not_depend_on_the_order_of_the_rules(rules, scores, data):
    """The tie-breaks (order, then label, amount, unit, frequency, explanation) are total, so
    any permutation of the rules gives exactly the same proposals."""
    shuffled = data.draw(st.permutations(rules))
    assert propose(scores, shuffled, "fsiii") == propose(scores, rules, "fsiii")


@given(rules=any_rules, scores=fsiii_scores)
def test_at_most_one_proposal_per_service_ordered_by_care_level(rules, scores):
    result = propose(scores, rules, "fsiii")
    codes = [p.service_code for p in result]
    assert len(codes) == len(set(codes))
    levels = dict(SERVICES)
    assert codes == sorted(codes, key=lambda code: (levels[code], code))


@given(rules=any_rules, scores=fsiii_scores, area=st.sampled_from(SCORED))
def test_a_not_relevant_area_counts_as_unscored(rules, scores, area):
    """Scoring an area 9 proposes exactly what leaving it out proposes."""
    without = {k: v for k, v in scores.items() if k != area}
    assert propose({**scores, area: 9}, rules, "fsiii") == propose(without, rules, "fsiii")
