"""The evaluation models: worked examples computed by hand (the same as in docs/tendering.md),
thresholds before price, sub-criteria, full precision until the final rounding, the comparison's
warnings, bad input refused, and properties of the models (hypothesis)."""

import json
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from frivalg.tenders import rules
from frivalg.tenders.rules import BidInput, CriterionSpec, ModelParams, compare_models, evaluate

D = Decimal

# Two top-level criteria, graded 0–10: quality of care 60 %, continuity 40 %. In the monetised
# model one grade point is worth 150.00 (Q1) and 100.00 (Q2) a year (minor units).
CRITERIA = (
    CriterionSpec("Q1", D(60), 10, value_per_point_minor=15_000),
    CriterionSpec("Q2", D(40), 10, value_per_point_minor=10_000),
)


def bid(key, price, q1, q2):
    return BidInput(key, price, {"Q1": D(q1), "Q2": D(q2)})


# Example 1 (docs: "The three bids"): quality points = 10 × (0.6 × Q1/10 + 0.4 × Q2/10)
#   A: 10 000.00, grades 8/7  → 0.48 + 0.28 = 0.76 → 7.6 quality points
#   B: 12 000.00, grades 10/9 → 0.60 + 0.36 = 0.96 → 9.6
#   D: 25 000.00, grades 10/10 → 10
A = bid("A", 1_000_000, 8, 7)
B = bid("B", 1_200_000, 10, 9)
DEAR = bid("D", 2_500_000, 10, 10)
THREE = (A, B, DEAR)


def params(model, **changes):
    return ModelParams(model=model, price_weight=changes.pop("price_weight", D(40)), **changes)


def by_key(evaluation):
    return {result.key: result for result in evaluation.results}


# --- worked examples ---------------------------------------------------------------------------


def test_quality_points_are_the_weighted_grades_on_the_points_scale():
    results = by_key(evaluate(THREE, CRITERIA, params("points_linear")))
    assert results["A"].quality_points == D("7.6")
    assert results["A"].quality_share == D("0.76")
    assert results["A"].criterion_shares == {"Q1": D("0.8"), "Q2": D("0.7")}
    assert results["B"].quality_points == D("9.6")
    assert results["D"].quality_points == D(10)
    hundred = by_key(evaluate(THREE, CRITERIA, params("points_linear", max_points=D(100))))
    assert hundred["A"].quality_points == D(76)


def test_linear_price_points_and_a_negative_price_score():
    # Pmin = 10 000.00; points = 10 − 10 × (P − Pmin)/Pmin
    #   A: 10;  B: 10 − 10 × 0.2 = 8;  D: 10 − 10 × 1.5 = −5 (more than twice the lowest price)
    # total = 0.4 × price points + 0.6 × quality points
    #   A: 4 + 4.56 = 8.56;  B: 3.2 + 5.76 = 8.96;  D: −2 + 6 = 4
    evaluation = evaluate(THREE, CRITERIA, params("points_linear"))
    results = by_key(evaluation)
    assert [results[k].price_points for k in "ABD"] == [D(10), D(8), D(-5)]
    assert [results[k].total for k in "ABD"] == [D("8.56"), D("8.96"), D(4)]
    assert [(r.key, r.rank) for r in evaluation.results] == [("B", 1), ("A", 2), ("D", 3)]
    assert evaluation.winner == "B"
    assert results["D"].evaluated_price_minor is None


def test_proportional_price_points():
    # points = 10 × Pmin/P: A 10; B 10/1.2 = 8.333…; D 10/2.5 = 4
    # totals: A 8.56; B 3.333… + 5.76 = 9.0933…; D 1.6 + 6 = 7.6
    evaluation = evaluate(THREE, CRITERIA, params("points_proportional"))
    results = by_key(evaluation)
    assert results["A"].price_points == D(10)
    assert results["B"].price_points == D(10) / D("1.2")
    assert results["D"].price_points == D(4)
    assert results["B"].rounded_total == D("9.09")
    assert results["B"].total.quantize(D("1e-20")) == D("9.09333333333333333333")
    assert results["D"].total == D("7.6")
    assert [r.key for r in evaluation.results] == ["B", "A", "D"]
    assert evaluation.winner == "B"


def test_interval_price_points_count_every_started_step_and_stop_at_zero():
    # 5 % steps, 1 point per step: A 0 % → 10; B 20 % → 4 steps → 6; D 150 % → 30 steps → −20,
    # floored at 0. Totals: A 8.56; B 2.4 + 5.76 = 8.16; D 0 + 6 = 6 → A wins (B won above).
    evaluation = evaluate(THREE, CRITERIA, params("points_interval"))
    results = by_key(evaluation)
    assert [results[k].price_points for k in "ABD"] == [D(10), D(6), D(0)]
    assert [results[k].total for k in "ABD"] == [D("8.56"), D("8.16"), D(6)]
    assert evaluation.winner == "A"
    # 10 % above is exactly 2 steps (8 points); 12 % above starts a third (⌈2.4⌉ = 3 → 7 points).
    exact = bid("E", 1_100_000, 8, 7)
    started = bid("F", 1_120_000, 8, 7)
    results = by_key(evaluate((A, exact, started), CRITERIA, params("points_interval")))
    assert results["E"].price_points == D(8)
    assert results["F"].price_points == D(7)
    # 2 points per 10 % step: 12 % → 2 steps → 6 points
    wide = params("points_interval", interval_step_percent=D(10), interval_points_per_step=D(2))
    assert by_key(evaluate((A, started), CRITERIA, wide))["F"].price_points == D(6)


def test_monetised_deduction():
    # evaluated price = P − Σ value per point × grade
    #   A: 1 000 000 − (8 × 15 000 + 7 × 10 000) = 1 000 000 − 190 000 = 810 000
    #   B: 1 200 000 − (150 000 + 90 000) = 960 000;  D: 2 500 000 − 250 000 = 2 250 000
    evaluation = evaluate(THREE, CRITERIA, params("monetised"))
    results = by_key(evaluation)
    assert [results[k].evaluated_price_minor for k in "ABD"] == [D(810_000), D(960_000), D(2_250_000)]
    assert [results[k].total for k in "ABD"] == [D(810_000), D(960_000), D(2_250_000)]
    assert results["A"].rounded_total == D("810000.00")
    assert results["A"].price_points is None
    assert [r.key for r in evaluation.results] == ["A", "B", "D"]
    assert evaluation.winner == "A"


def test_monetised_surcharge():
    # 2 % per quality point missing from 10: evaluated price = P × (1 + 0.02 × (10 − quality points))
    #   A: 1 000 000 × (1 + 0.02 × 2.4) = 1 048 000;  B: 1 200 000 × 1.008 = 1 209 600;  D: 2 500 000
    evaluation = evaluate(THREE, CRITERIA, params("monetised", surcharge_per_missing_point_percent=D(2)))
    results = by_key(evaluation)
    assert [results[k].evaluated_price_minor for k in "ABD"] == [D(1_048_000), D(1_209_600), D(2_500_000)]
    assert evaluation.winner == "A"


def test_monetised_price_does_not_depend_on_the_other_bids():
    alone = by_key(evaluate((B,), CRITERIA, params("monetised")))["B"]
    with_others = by_key(evaluate(THREE, CRITERIA, params("monetised")))["B"]
    assert alone.evaluated_price_minor == with_others.evaluated_price_minor == D(960_000)


def test_price_per_quality_point():
    # P / quality points: A 1 000 000 / 7.6 = 131 578.947…; B 1 200 000 / 9.6 = 125 000; D 250 000
    evaluation = evaluate(THREE, CRITERIA, params("price_per_point"))
    results = by_key(evaluation)
    assert results["A"].rounded_total == D("131578.95")
    assert results["B"].total == D(125_000)
    assert results["D"].total == D(250_000)
    assert [r.key for r in evaluation.results] == ["B", "A", "D"]
    assert evaluation.winner == "B"


# --- thresholds ---------------------------------------------------------------------------------


def test_quality_thresholds_exclude_before_price():
    # E: 10/4 → 0.6 + 0.16 = 76 % overall, but only 40 % of Q2 (< 50 %) → excluded on Q2
    # F: 6/7 → 0.36 + 0.28 = 64 % overall (< 70 %) → excluded overall
    # Both are cheaper than A; excluded first, they do not set Pmin: A keeps 10 price points.
    cheap_e = bid("E", 500_000, 10, 4)
    cheap_f = bid("F", 600_000, 6, 7)
    for model in rules.MODELS:
        evaluation = evaluate((A, B, cheap_e, cheap_f), CRITERIA, params(model))
        results = by_key(evaluation)
        assert results["E"].excluded == "quality_criterion:Q2"
        assert results["F"].excluded == "quality_overall"
        for key in "EF":
            assert results[key].rank is None
            assert results[key].total is None
            assert results[key].rounded_total is None
        assert [r.key for r in evaluation.results][-2:] == ["E", "F"]
        assert evaluation.winner in {"A", "B"}
    linear = by_key(evaluate((A, B, cheap_e, cheap_f), CRITERIA, params("points_linear")))
    assert linear["A"].price_points == D(10)
    assert linear["E"].quality_points == D("7.6")  # still shown


def test_thresholds_are_inclusive_and_configurable():
    # a bid exactly on a threshold is admitted; just above it, excluded
    on_the_line = bid("Y", 1_000_000, 9, D("4.25"))  # 0.54 + 0.17 = 0.71, Q2 42.5 %
    results = by_key(evaluate((on_the_line,), CRITERIA, params("points_linear", min_quality_per_criterion=D("42.5"))))
    assert results["Y"].excluded is None
    results = by_key(evaluate((on_the_line,), CRITERIA, params("points_linear", min_quality_per_criterion=D("42.6"))))
    assert results["Y"].excluded == "quality_criterion:Q2"
    seventy = bid("Z", 1_000_000, 7, 7)  # exactly 70 % overall and on each criterion
    assert by_key(evaluate((seventy,), CRITERIA, params("points_linear")))["Z"].excluded is None
    assert by_key(evaluate((seventy,), CRITERIA, params("points_linear", min_quality_overall=D("70.01"))))[
        "Z"].excluded == "quality_overall"


def test_missing_grades_exclude_the_bid():
    partial = BidInput("P", 1_000_000, {"Q1": D(9)})
    results = by_key(evaluate((partial, A), CRITERIA, params("points_linear")))
    assert results["P"].excluded == "grades_missing"
    assert results["P"].quality_points == D("5.4")  # the missing grade counts 0, for display only
    assert results["A"].rank == 1


def test_price_per_point_excludes_a_bid_without_quality():
    nothing = bid("N", 1_000_000, 0, 0)
    no_thresholds = {"min_quality_overall": D(0), "min_quality_per_criterion": D(0)}
    results = by_key(evaluate((nothing, A), CRITERIA, params("price_per_point", **no_thresholds)))
    assert results["N"].excluded == "quality_zero"
    assert results["A"].rank == 1
    linear = by_key(evaluate((nothing, A), CRITERIA, params("points_linear", **no_thresholds)))
    assert linear["N"].excluded is None
    assert linear["N"].total == D(4)  # 0.4 × 10 + 0.6 × 0


# --- sub-criteria -------------------------------------------------------------------------------

TREE = (
    CriterionSpec("Q1", D(60), 10),
    CriterionSpec("Q1a", D(25), 5, parent="Q1"),
    CriterionSpec("Q1b", D(75), 10, parent="Q1"),
    CriterionSpec("Q2", D(40), 10),
)


def test_sub_criteria_weights_multiply_down_the_tree():
    # Q1a 4/5 = 0.8, Q1b 6/10 = 0.6 → Q1 = 0.25 × 0.8 + 0.75 × 0.6 = 0.65; Q2 9/10 = 0.9
    # overall = 0.6 × 0.65 + 0.4 × 0.9 = 0.39 + 0.36 = 0.75 → 7.5 quality points
    tree_bid = BidInput("T", 1_000_000, {"Q1a": D(4), "Q1b": D(6), "Q2": D(9)})
    result = by_key(evaluate((tree_bid,), TREE, params("points_linear")))["T"]
    assert result.criterion_shares == {"Q1": D("0.65"), "Q2": D("0.9")}
    assert result.quality_points == D("7.5")
    assert result.total == D("0.4") * 10 + D("0.6") * D("7.5")


def test_per_criterion_threshold_applies_to_top_level_criteria():
    # Q1a 1/5 = 20 % (a sub-criterion below 50 %), Q1b 10/10 → Q1 = 0.05 + 0.75 = 80 %: admitted
    weak_sub = BidInput("W", 1_000_000, {"Q1a": D(1), "Q1b": D(10), "Q2": D(8)})
    assert by_key(evaluate((weak_sub,), TREE, params("points_linear")))["W"].excluded is None
    # Q1a 0, Q1b 6 → Q1 = 45 % < 50 %: excluded on Q1 (overall 0.27 + 0.4 = 67 % is checked first)
    weak_top = BidInput("V", 1_000_000, {"Q1a": D(0), "Q1b": D(6), "Q2": D(10)})
    no_overall = params("points_linear", min_quality_overall=D(0))
    assert by_key(evaluate((weak_top,), TREE, no_overall))["V"].excluded == "quality_criterion:Q1"
    assert by_key(evaluate((weak_top,), TREE, params("points_linear")))["V"].excluded == "quality_overall"


def test_grades_only_on_leaves_and_within_the_scale():
    with pytest.raises(ValueError, match="not a graded"):
        evaluate((BidInput("X", 1, {"Q1": D(5), "Q1a": D(1), "Q1b": D(1), "Q2": D(1)}),), TREE,
                 params("points_linear"))
    with pytest.raises(ValueError, match="between 0 and 5"):
        evaluate((BidInput("X", 1, {"Q1a": D(6), "Q1b": D(1), "Q2": D(1)}),), TREE, params("points_linear"))


# --- precision ----------------------------------------------------------------------------------


def test_full_precision_until_the_final_rounding():
    # One criterion graded 0–100, price 35 %, proportional. A is cheapest: 10 price points.
    #   A: 9 073.00, grade 80 → 8 quality points → 0.35 × 10 + 0.65 × 8 = 3.5 + 5.2 = 8.7
    #   B: 10 000.00, grade 85 → 8.5 → price points 10 × 9073/10000 = 9.073
    #      → 0.35 × 9.073 + 0.65 × 8.5 = 3.17555 + 5.525 = 8.70055: B wins by 0.00055.
    # Both show 8.70. Rounding the price points first (9.07) would give B 3.1745 + 5.525 = 8.6995
    # and hand the contract to A.
    single = (CriterionSpec("Q", D(100), 100),)
    first = BidInput("A", 907_300, {"Q": D(80)})
    second = BidInput("B", 1_000_000, {"Q": D(85)})
    evaluation = evaluate((first, second), single, params("points_proportional", price_weight=D(35)))
    results = by_key(evaluation)
    assert results["A"].total == D("8.7")
    assert results["B"].total == D("8.70055")
    assert results["A"].rounded_total == results["B"].rounded_total == D("8.70")
    assert evaluation.winner == "B"
    early = D("0.35") * rules.round_display(results["B"].price_points) + D("0.65") * results["B"].quality_points
    assert early < results["A"].total


def test_rounding_rule_is_half_up_to_two_decimals():
    assert rules.round_display(D("8.565")) == D("8.57")
    assert rules.round_display(D("-0.005")) == D("-0.01")
    assert rules.round_display(D("8.5649999")) == D("8.56")
    assert "ROUND_HALF_UP" in rules.ROUNDING


def test_the_callers_decimal_context_does_not_matter():
    expected = evaluate(THREE, CRITERIA, params("points_proportional"))
    with localcontext() as context:
        context.prec = 4
        assert evaluate(THREE, CRITERIA, params("points_proportional")) == expected


def test_equal_totals_share_a_rank_and_name_no_winner():
    twin = bid("A2", 1_000_000, 8, 7)
    evaluation = evaluate((A, twin, DEAR), CRITERIA, params("points_linear"))
    assert [(r.key, r.rank) for r in evaluation.results] == [("A", 1), ("A2", 1), ("D", 3)]
    assert evaluation.winner is None


def test_no_bids():
    evaluation = evaluate((), CRITERIA, params("points_linear"))
    assert evaluation.results == ()
    assert evaluation.winner is None


# --- comparison ---------------------------------------------------------------------------------


def test_compare_models_shows_every_model_and_warns_when_the_winner_differs():
    # Example 1: B wins by linear, proportional and price per point; A by interval and monetised.
    evaluations, warnings = compare_models(THREE, CRITERIA, params("points_linear"))
    assert list(evaluations) == list(rules.MODELS)
    assert {model: e.winner for model, e in evaluations.items()} == {
        "points_linear": "B", "points_proportional": "B", "points_interval": "A", "monetised": "A",
        "price_per_point": "B",
    }
    differs = [w for w in warnings if w.code == "winner_differs"]
    assert differs == [
        rules.Warning("winner_differs", "points_interval", {"winner": "A", "other_model": "points_linear",
                                                            "other_winner": "B"}),
        rules.Warning("winner_differs", "monetised", {"winner": "A", "other_model": "points_linear",
                                                      "other_winner": "B"}),
    ]
    # D is far dearer than both: removing it changes no winner.
    assert [w for w in warnings if w.code == "rank_reversal"] == []


# Example 2 (docs: "Rank reversal"): price 30 %, quality 70 %.
#   X:  9 000.00, grades 7/7 → 7.0 quality points (just passes 70 %)
#   Y: 10 000.00, grades 8/7 → 4.8 + 2.8 = 7.6
#   Z: 12 500.00, grades 8/9 → 4.8 + 3.6 = 8.4
X = bid("X", 900_000, 7, 7)
Y = bid("Y", 1_000_000, 8, 7)
Z = bid("Z", 1_250_000, 8, 9)


def test_rank_reversal_under_the_proportional_formula():
    # With X (Pmin 9 000): price points X 10, Y 9, Z 7.2
    #   X 3 + 4.9 = 7.9;  Y 2.7 + 5.32 = 8.02;  Z 2.16 + 5.88 = 8.04 → Z wins, X last
    # Without X (Pmin 10 000): Y 10, Z 8 → Y 3 + 5.32 = 8.32;  Z 2.4 + 5.88 = 8.28 → Y wins.
    proportional = params("points_proportional", price_weight=D(30))
    with_x = evaluate((X, Y, Z), CRITERIA, proportional)
    assert [(r.key, r.total) for r in with_x.results] == [("Z", D("8.04")), ("Y", D("8.02")), ("X", D("7.9"))]
    without_x = evaluate((Y, Z), CRITERIA, proportional)
    assert [(r.key, r.total) for r in without_x.results] == [("Y", D("8.32")), ("Z", D("8.28"))]

    evaluations, warnings = compare_models((X, Y, Z), CRITERIA, proportional)
    assert rules.Warning("rank_reversal", "points_proportional",
                         {"removed": "X", "winner_before": "Z", "winner_after": "Y"}) in warnings
    # Linear on the same bids: Y wins with or without X (7.9867 vs 7.7133 vs 7.9; 8.32 vs 8.13),
    # so the winner differs between the published proportional model and linear.
    assert {model: e.winner for model, e in evaluations.items()} == {
        "points_linear": "Y", "points_proportional": "Z", "points_interval": "X", "monetised": "X",
        "price_per_point": "X",
    }
    assert [(r.key, r.rounded_total) for r in evaluations["points_linear"].results] == [
        ("Y", D("7.99")), ("X", D("7.90")), ("Z", D("7.71"))]
    assert rules.Warning("winner_differs", "points_linear", {"winner": "Y", "other_model": "points_proportional",
                                                             "other_winner": "Z"}) in warnings
    assert not [w for w in warnings if w.code == "rank_reversal" and w.model != "points_proportional"]


def test_rank_reversal_under_the_linear_formula():
    # Price 30 %. X 9 000.00 (7/7 → 7.0), Y 10 000.00 (8/8 → 8.0), Z 12 200.00 (9/9 → 9.0)
    # With X (Pmin 9 000): linear points X 10, Y 10 − 10/9 = 8.888…, Z 10 − 32/9 = 6.444…
    #   X 3 + 4.9 = 7.9;  Y 2.666… + 5.6 = 8.2666…;  Z 1.9333… + 6.3 = 8.2333… → Y wins
    # Without X (Pmin 10 000): Y 10 → 8.6;  Z 10 − 2.2 = 7.8 → 2.34 + 6.3 = 8.64 → Z wins.
    x, y, z = bid("X", 900_000, 7, 7), bid("Y", 1_000_000, 8, 8), bid("Z", 1_220_000, 9, 9)
    linear = params("points_linear", price_weight=D(30))
    with_x = evaluate((x, y, z), CRITERIA, linear)
    assert [(r.key, r.rounded_total) for r in with_x.results] == [("Y", D("8.27")), ("Z", D("8.23")),
                                                                   ("X", D("7.90"))]
    assert [(r.key, r.total) for r in evaluate((y, z), CRITERIA, linear).results] == [("Z", D("8.64")),
                                                                                     ("Y", D("8.6"))]
    _, warnings = compare_models((x, y, z), CRITERIA, linear)
    assert rules.Warning("rank_reversal", "points_linear",
                         {"removed": "X", "winner_before": "Y", "winner_after": "Z"}) in warnings


def test_comparison_as_json():
    evaluations, warnings = compare_models((X, Y, Z), CRITERIA, params("points_proportional", price_weight=D(30)))
    data = json.loads(json.dumps(rules.comparison_as_dict(evaluations, warnings)))
    assert data["rounding"] == rules.ROUNDING
    proportional = data["models"]["points_proportional"]
    assert proportional["winner"] == "Z"
    assert proportional["results"][0] == {
        "key": "Z", "rank": 1, "excluded": None, "quality_points": "8.4", "quality_share": "0.84",
        "price_points": "7.2", "total": "8.04", "rounded_total": "8.04", "evaluated_price_minor": None,
        "criterion_shares": {"Q1": "0.8", "Q2": "0.9"},
    }
    assert data["models"]["price_per_point"]["results"][0]["total"] == "128571.4285714285714285714286"
    assert {"code": "rank_reversal", "model": "points_proportional",
            "detail": {"removed": "X", "winner_before": "Z", "winner_after": "Y"}} in data["warnings"]


# --- bad input ----------------------------------------------------------------------------------


def problem_codes(criteria):
    return {problem.code for problem in rules.criteria_problems(criteria)}


def test_valid_criteria_have_no_problems():
    assert rules.validate_criteria(CRITERIA) == []
    assert rules.validate_criteria(TREE) == []


def test_criteria_problems():
    assert problem_codes(()) == {"no_criteria"}
    assert rules.validate_criteria(()) == ["There are no award criteria."]
    assert problem_codes((CriterionSpec("Q1", D(60), 10), CriterionSpec("Q2", D(30), 10))) == {"weights_sum_top"}
    assert rules.validate_criteria((CriterionSpec("Q1", D(60), 10), CriterionSpec("Q2", D(30), 10))) == [
        "The weights of the top-level criteria sum to 90 %, not 100 %."]
    sub_sum = (CriterionSpec("Q1", D(100), 10), CriterionSpec("a", D(50), 10, parent="Q1"),
               CriterionSpec("b", D(40), 10, parent="Q1"))
    assert rules.criteria_problems(sub_sum) == [rules.Problem(
        "weights_sum", "The weights of the sub-criteria of Q1 sum to 90 %, not 100 %.",
        {"parent": "Q1", "total": "90"})]
    assert problem_codes((CriterionSpec("Q1", D(100), 10), CriterionSpec("a", D(100), 10, parent="nope"))) == {
        "unknown_parent"}
    assert problem_codes((CriterionSpec("Q1", D(100), 0),)) == {"scale"}
    assert problem_codes((CriterionSpec("Q1", D(100), 10, value_per_point_minor=-1),)) == {"negative_value"}
    assert problem_codes((CriterionSpec("Q1", D(0), 10), CriterionSpec("Q2", D(100), 10))) == {"weight_range"}
    assert problem_codes((CriterionSpec("Q1", D(50), 10), CriterionSpec("Q1", D(50), 10))) == {"duplicate_code"}
    assert problem_codes((CriterionSpec(" ", D(100), 10),)) == {"empty_code"}
    cycle = (CriterionSpec("Q1", D(100), 10), CriterionSpec("a", D(100), 10, parent="b"),
             CriterionSpec("b", D(100), 10, parent="a"))
    assert "cycle" in problem_codes(cycle)


def test_evaluate_refuses_bad_input():
    with pytest.raises(ValueError, match="sum to 90"):
        evaluate((A,), (CriterionSpec("Q1", D(90), 10),), params("points_linear"))
    with pytest.raises(ValueError, match="Unknown evaluation model"):
        evaluate((A,), CRITERIA, params("lowest_price"))
    with pytest.raises(ValueError, match="price_weight"):
        evaluate((A,), CRITERIA, params("points_linear", price_weight=D(101)))
    with pytest.raises(ValueError, match="above 0"):
        evaluate((bid("Z", 0, 5, 5),), CRITERIA, params("points_linear"))
    with pytest.raises(ValueError, match="used twice"):
        evaluate((A, A), CRITERIA, params("points_linear"))
    with pytest.raises(ValueError, match="between 0 and 10"):
        evaluate((bid("G", 1, 11, 5),), CRITERIA, params("points_linear"))


def test_params_problems():
    bad = ModelParams(model="nope", price_weight=D(-1), max_points=D(0), interval_step_percent=D(0),
                      interval_points_per_step=D(-1), surcharge_per_missing_point_percent=D(-2),
                      min_quality_overall=D(101), min_quality_per_criterion=D(-1))
    assert [p.code for p in rules.params_problems(bad)] == [
        "model", "percent_range", "percent_range", "percent_range", "max_points", "interval_step",
        "interval_points", "surcharge"]
    assert rules.params_problems(params("points_linear")) == []


# --- properties ---------------------------------------------------------------------------------

grades = st.integers(min_value=0, max_value=10)
prices = st.integers(min_value=1, max_value=10**10)
weights = st.integers(min_value=0, max_value=100).map(D)
models = st.sampled_from(rules.MODELS)


@st.composite
def bid_lists(draw, min_size=1):
    size = draw(st.integers(min_value=min_size, max_value=6))
    return [bid(f"b{i}", draw(prices), draw(grades), draw(grades)) for i in range(size)]


@st.composite
def model_params(draw):
    surcharge = draw(st.none() | st.integers(min_value=0, max_value=20).map(D))
    return ModelParams(
        model=draw(models), price_weight=draw(weights), max_points=draw(st.sampled_from([D(10), D(100)])),
        interval_step_percent=draw(st.sampled_from([D(1), D("2.5"), D(5), D(10)])),
        interval_points_per_step=draw(st.sampled_from([D("0.5"), D(1), D(2)])),
        surcharge_per_missing_point_percent=surcharge,
        min_quality_overall=draw(st.sampled_from([D(0), D(50), D(70)])),
        min_quality_per_criterion=draw(st.sampled_from([D(0), D(50)])),
    )


@settings(max_examples=150, deadline=None)
@given(bids=bid_lists(), model=model_params(), data=st.data())
def test_ranking_does_not_depend_on_bid_order(bids, model, data):
    shuffled = data.draw(st.permutations(bids))
    assert evaluate(shuffled, CRITERIA, model) == evaluate(bids, CRITERIA, model)


@settings(max_examples=150, deadline=None)
@given(bids=bid_lists(), price_weight=weights)
def test_proportional_price_points_are_positive_and_at_most_max(bids, price_weight):
    model = params("points_proportional", price_weight=price_weight, min_quality_overall=D(0),
                   min_quality_per_criterion=D(0))
    for result in evaluate(bids, CRITERIA, model).results:
        assert D(0) < result.price_points <= D(10)
    lowest = min(b.price_minor for b in bids)
    assert any(r.price_points == D(10) for r in evaluate(bids, CRITERIA, model).results
               if next(b for b in bids if b.key == r.key).price_minor == lowest)


@settings(max_examples=150, deadline=None)
@given(bids=bid_lists(), price_weight=weights)
def test_linear_price_points_are_at_most_max_and_exact(bids, price_weight):
    model = params("points_linear", price_weight=price_weight, min_quality_overall=D(0),
                   min_quality_per_criterion=D(0))
    lowest = Fraction(min(b.price_minor for b in bids))
    prices_by_key = {b.key: b.price_minor for b in bids}
    for result in evaluate(bids, CRITERIA, model).results:
        assert result.price_points <= D(10)
        exact = 10 - 10 * (prices_by_key[result.key] - lowest) / lowest
        assert abs(Fraction(result.price_points) - exact) < Fraction(1, 10**15)


@settings(max_examples=200, deadline=None)
@given(bids=bid_lists(), model=model_params(), cheaper=prices, dearer=prices, q1=grades, q2=grades)
def test_a_cheaper_bid_with_equal_quality_never_ranks_lower(bids, model, cheaper, dearer, q1, q2):
    assume(cheaper < dearer)
    low, high = bid("low", cheaper, q1, q2), bid("high", dearer, q1, q2)
    results = by_key(evaluate([*bids, low, high], CRITERIA, model))
    assert results["low"].excluded == results["high"].excluded
    if results["low"].rank is not None:
        assert results["low"].rank <= results["high"].rank


@settings(max_examples=150, deadline=None)
@given(bids=bid_lists(), extra=bid_lists(), surcharge=st.none() | st.integers(0, 20).map(D))
def test_adding_a_bid_never_changes_another_bids_monetised_price(bids, extra, surcharge):
    model = params("monetised", surcharge_per_missing_point_percent=surcharge)
    newcomers = [BidInput(f"new{b.key}", b.price_minor, b.grades) for b in extra]
    before = by_key(evaluate(bids, CRITERIA, model))
    after = by_key(evaluate([*bids, *newcomers], CRITERIA, model))
    for key, result in before.items():
        assert after[key].evaluated_price_minor == result.evaluated_price_minor
        assert after[key].excluded == result.excluded


@settings(max_examples=60, deadline=None)
@given(bids=bid_lists(min_size=2), model=model_params())
def test_only_the_relative_models_can_reverse_ranks(bids, model):
    _, warnings = compare_models(bids, CRITERIA, model)
    reversed_models = {w.model for w in warnings if w.code == "rank_reversal"}
    assert reversed_models <= {"points_linear", "points_proportional", "points_interval"}
    for warning in warnings:
        if warning.code == "rank_reversal":
            assert warning.detail["removed"] != warning.detail["winner_before"]
            assert warning.detail["winner_after"] != warning.detail["winner_before"]
