"""The evaluation models procurement guidance describes, as pure functions on frozen dataclasses.

Pure: `Decimal` (and `fractions.Fraction` where a ceiling must be exact), no Django. The services
build `CriterionSpec`s from the tender's criteria and `BidInput`s from the opened bids' grades;
docs/tendering.md explains every model with worked examples.

Quality. Leaves of the criteria tree are graded 0..scale_max. A leaf's share of all quality is the
product of the weights (percent of its parent's points, siblings summing to 100) on its path from
the top; a bid's quality share is Σ grade/scale_max × that share, 0..1, and its quality points are
the share × `max_points`. Each top-level criterion's own share (Σ over its subtree, relative to
the criterion) is what the per-criterion threshold tests.

Thresholds are applied before price: a bid below `min_quality_overall` percent of all quality
points, or below `min_quality_per_criterion` percent of a top-level criterion's points, is
excluded (reason `quality_overall` / `quality_criterion:<code>`) and takes no part in the price
evaluation — in particular it never sets the lowest price Pmin. A bid lacking a grade for a leaf
is excluded as `grades_missing` (its quality counts the missing grades as 0, for display only).

Price, among the admitted bids (Pmin = the lowest admitted evaluation price):

* points_linear:       price points = max − max·(P − Pmin)/Pmin           (may go negative)
* points_proportional: price points = max · Pmin/P                        (in (0, max])
* points_interval:     price points = max(0, max − steps · points_per_step),
                       steps = ⌈(P − Pmin)/Pmin · 100 / step_percent⌉      (floored at 0 points)
  and for the three points models total = w·price points + (1 − w)·quality points with
  w = price_weight/100; the highest total wins.
* monetised (deduction, the default): evaluated price = P − Σ value_per_point × grade;
  monetised (surcharge, `surcharge_per_missing_point_percent` set): evaluated price =
  P × (1 + surcharge%/100 × (max_points − quality points)); the lowest evaluated price wins, and
  a bid's evaluated price never depends on the other bids.
* price_per_point: total = P / quality points; the lowest wins (a bid with no quality points at
  all is excluded as `quality_zero`).

Precision and rounding: every figure is kept at full precision (`Decimal`, 28 significant digits,
in a fixed context so the caller's context never matters; interval steps exactly) and the ranking
is made on it. Only `rounded_total` is rounded, ROUND_HALF_UP to 2 decimals, for display and the
award letter (`ROUNDING`). Bids whose full-precision totals are equal share a rank (1, 1, 3 …);
when two bids share the first rank the rules name no winner (`winner` is None) and the award
decision applies the tie-break published in the tender documents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

ROUNDING = "ROUND_HALF_UP to 2 decimals, only for display and the letter; ranking on full precision"

POINTS_LINEAR = "points_linear"
POINTS_PROPORTIONAL = "points_proportional"
POINTS_INTERVAL = "points_interval"
MONETISED = "monetised"
PRICE_PER_POINT = "price_per_point"
#: Every model, in the order the comparison shows them.
MODELS = (POINTS_LINEAR, POINTS_PROPORTIONAL, POINTS_INTERVAL, MONETISED, PRICE_PER_POINT)
#: Models in which the highest total wins (the others: the lowest).
POINTS_MODELS = frozenset({POINTS_LINEAR, POINTS_PROPORTIONAL, POINTS_INTERVAL})

#: Exclusion reasons (a per-criterion exclusion is `quality_criterion:<code>`).
EXCLUDED_QUALITY_OVERALL = "quality_overall"
EXCLUDED_QUALITY_CRITERION = "quality_criterion"
EXCLUDED_GRADES_MISSING = "grades_missing"
EXCLUDED_QUALITY_ZERO = "quality_zero"

#: Warning codes of `compare_models`.
WINNER_DIFFERS = "winner_differs"
RANK_REVERSAL = "rank_reversal"

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
#: The context of every computation here: 28 significant digits, ties to even (the `Decimal`
#: default), whatever the caller's context is.
CONTEXT = Context(prec=28)


def round_display(value: Decimal) -> Decimal:
    """The one rounding rule of this module: half away from zero to 2 decimals (display only)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    #: Percent of its parent's points (of all quality points at the top); siblings sum to 100.
    weight: Decimal
    #: Grades run 0..scale_max.
    scale_max: int
    #: Monetised model: the money value of one grade point, minor units.
    value_per_point_minor: int = 0
    #: The parent criterion's code; leaves (criteria without children) are graded.
    parent: str | None = None


@dataclass(frozen=True)
class BidInput:
    #: The bid's public id (or any unique key).
    key: str
    #: The evaluation price (prices × volumes), minor units, > 0.
    price_minor: int
    #: Leaf criterion code → grade (0..scale_max).
    grades: Mapping[str, Decimal]


@dataclass(frozen=True)
class ModelParams:
    #: One of MODELS.
    model: str
    #: Percent (0–100) of the total given to price (points models).
    price_weight: Decimal
    #: The points scale of price and of quality (e.g. 10 or 100).
    max_points: Decimal = Decimal(10)
    #: points_interval: a bid loses `interval_points_per_step` per started `interval_step_percent`
    #: above the lowest price.
    interval_step_percent: Decimal = Decimal(5)
    interval_points_per_step: Decimal = Decimal(1)
    #: monetised: None → the deduction variant; a percent → the surcharge variant (the price is
    #: raised by this percent per quality point missing from `max_points`).
    surcharge_per_missing_point_percent: Decimal | None = None
    #: Percent of all quality points a bid needs to be evaluated on price.
    min_quality_overall: Decimal = Decimal(70)
    #: Percent of each top-level criterion's points a bid needs to be evaluated on price.
    min_quality_per_criterion: Decimal = Decimal(50)


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidResult:
    key: str
    #: Weighted quality on the max_points scale (full precision).
    quality_points: Decimal
    #: Quality points / max_points, 0..1.
    quality_share: Decimal
    #: Points models: the price points; otherwise None.
    price_points: Decimal | None
    #: Points models: the weighted total (highest wins); price_per_point: price per quality point;
    #: monetised: the evaluated price in minor units (lowest wins). None when excluded.
    total: Decimal | None
    #: Monetised: the evaluated price, minor units (full precision).
    evaluated_price_minor: Decimal | None
    #: 1 = best; equal full-precision totals share a rank; None when excluded.
    rank: int | None
    #: Why the bid was not evaluated on price (see the EXCLUDED_* codes), or None.
    excluded: str | None
    #: `total` rounded ROUND_HALF_UP to 2 decimals, for display; the ranking uses `total`.
    rounded_total: Decimal | None
    #: Top-level criterion code → the share (0..1) of that criterion's points the bid earned.
    criterion_shares: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    model: str
    #: In rank order (ties by key), excluded bids last (by key).
    results: tuple[BidResult, ...]
    #: The key of the only bid ranked first; None when no bid is ranked or the first rank is shared.
    winner: str | None

    def result(self, key: str) -> BidResult:
        for result in self.results:
            if result.key == key:
                return result
        raise KeyError(key)


@dataclass(frozen=True)
class Warning:  # the contract's name; it shadows the builtin only inside this module
    #: WINNER_DIFFERS or RANK_REVERSAL.
    code: str
    model: str
    #: winner_differs: {"winner", "other_model", "other_winner"}; rank_reversal: {"removed",
    #: "winner_before", "winner_after"}; "" stands for no single winner.
    detail: dict[str, str]


@dataclass(frozen=True)
class Problem:
    """A problem with the criteria or the parameters: a stable code, its parameters and the
    English message (services translate by code)."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)


# --- validation ---------------------------------------------------------------------------------


def criteria_problems(criteria: Sequence[CriterionSpec]) -> list[Problem]:
    """Everything wrong with a criteria tree: none at all, empty or repeated codes, unknown
    parents, cycles, weights outside (0, 100], siblings' weights not summing to 100, scales below 1,
    negative money values."""
    problems: list[Problem] = []
    if not criteria:
        return [Problem("no_criteria", "There are no award criteria.")]
    codes = [c.code for c in criteria]
    seen: set[str] = set()
    for code in codes:
        if not code.strip():
            problems.append(Problem("empty_code", "A criterion has no code."))
        elif code in seen:
            problems.append(Problem("duplicate_code", f"The code {code} is used twice.", {"code": code}))
        seen.add(code)
    by_code = {c.code: c for c in criteria}
    for c in criteria:
        params = {"code": c.code}
        if c.parent is not None and c.parent not in by_code:
            problems.append(Problem("unknown_parent", f"{c.code}: the parent criterion {c.parent} does not exist.",
                                    {**params, "parent": c.parent}))
        if not ZERO < c.weight <= HUNDRED:
            problems.append(Problem("weight_range", f"{c.code}: the weight must be above 0 and at most 100 %.",
                                    params))
        if c.scale_max < 1:
            problems.append(Problem("scale", f"{c.code}: the highest grade must be at least 1.", params))
        if c.value_per_point_minor < 0:
            problems.append(Problem("negative_value", f"{c.code}: the money value of a grade point cannot be "
                                    "negative.", params))
    for c in criteria:
        ancestors: set[str] = set()
        node: CriterionSpec | None = c
        while node is not None and node.parent is not None:
            if node.code in ancestors:
                problems.append(Problem("cycle", f"{c.code}: the criterion is its own ancestor.", {"code": c.code}))
                break
            ancestors.add(node.code)
            node = by_code.get(node.parent)
    siblings: dict[str | None, list[CriterionSpec]] = {}
    for c in criteria:
        siblings.setdefault(c.parent, []).append(c)
    for parent, group in siblings.items():
        if parent is not None and parent not in by_code:
            continue
        total = sum((c.weight for c in group), ZERO)
        if total != HUNDRED:
            if parent is None:
                problems.append(Problem("weights_sum_top", f"The weights of the top-level criteria sum to "
                                        f"{total} %, not 100 %.", {"total": str(total)}))
            else:
                problems.append(Problem("weights_sum", f"The weights of the sub-criteria of {parent} sum to "
                                        f"{total} %, not 100 %.", {"parent": parent, "total": str(total)}))
    return problems


def validate_criteria(criteria: Sequence[CriterionSpec]) -> list[str]:
    """The problems with a criteria tree as English messages (empty: the tree is valid). The
    codes and parameters behind them: `criteria_problems`."""
    return [problem.message for problem in criteria_problems(criteria)]


def params_problems(params: ModelParams) -> list[Problem]:
    """Everything wrong with a model's parameters."""
    problems: list[Problem] = []
    if params.model not in MODELS:
        problems.append(Problem("model", f"Unknown evaluation model {params.model}.", {"model": params.model}))
    percents = {
        "price_weight": params.price_weight,
        "min_quality_overall": params.min_quality_overall,
        "min_quality_per_criterion": params.min_quality_per_criterion,
    }
    for name, value in percents.items():
        if not ZERO <= value <= HUNDRED:
            problems.append(Problem("percent_range", f"{name} must be between 0 and 100 %.", {"field": name}))
    if params.max_points <= 0:
        problems.append(Problem("max_points", "The maximum points must be above 0.", {"field": "max_points"}))
    if params.interval_step_percent <= 0:
        problems.append(Problem("interval_step", "The interval step must be above 0 %.",
                                {"field": "interval_step_percent"}))
    if params.interval_points_per_step < 0:
        problems.append(Problem("interval_points", "The points lost per interval step cannot be negative.",
                                {"field": "interval_points_per_step"}))
    surcharge = params.surcharge_per_missing_point_percent
    if surcharge is not None and surcharge < 0:
        problems.append(Problem("surcharge", "The surcharge per missing quality point cannot be negative.",
                                {"field": "surcharge_per_missing_point_percent"}))
    return problems


# --- quality ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tree:
    #: leaf code → its share of all quality (product of weights/100 down the path).
    leaf_share: dict[str, Decimal]
    #: leaf code → (its top-level criterion, its share of that criterion's points).
    leaf_top: dict[str, tuple[str, Decimal]]
    scale: dict[str, int]
    value: dict[str, int]
    top: tuple[str, ...]


def _tree(criteria: Sequence[CriterionSpec]) -> _Tree:
    by_code = {c.code: c for c in criteria}
    parents = {c.parent for c in criteria if c.parent is not None}
    leaf_share: dict[str, Decimal] = {}
    leaf_top: dict[str, tuple[str, Decimal]] = {}
    for c in criteria:
        if c.code in parents:
            continue
        within_top = ONE
        node = c
        while node.parent is not None:
            within_top *= node.weight / HUNDRED
            node = by_code[node.parent]
        leaf_share[c.code] = within_top * node.weight / HUNDRED
        leaf_top[c.code] = (node.code, within_top)
    return _Tree(
        leaf_share=leaf_share,
        leaf_top=leaf_top,
        scale={c.code: c.scale_max for c in criteria},
        value={c.code: c.value_per_point_minor for c in criteria},
        top=tuple(c.code for c in criteria if c.parent is None),
    )


@dataclass(frozen=True)
class _Quality:
    share: Decimal
    criterion_shares: dict[str, Decimal]
    missing: bool
    money_value_minor: Decimal


def _quality(bid: BidInput, tree: _Tree) -> _Quality:
    share = ZERO
    criterion_shares = dict.fromkeys(tree.top, ZERO)
    money = ZERO
    missing = False
    for code, leaf_share in tree.leaf_share.items():
        if code not in bid.grades:
            missing = True
            continue
        grade = Decimal(bid.grades[code])
        fraction = grade / tree.scale[code]
        share += fraction * leaf_share
        top, within_top = tree.leaf_top[code]
        criterion_shares[top] += fraction * within_top
        money += grade * tree.value[code]
    return _Quality(share=share, criterion_shares=criterion_shares, missing=missing, money_value_minor=money)


def _check_bids(bids: Sequence[BidInput], tree: _Tree) -> None:
    keys: set[str] = set()
    for bid in bids:
        if bid.key in keys:
            raise ValueError(f"The bid key {bid.key} is used twice.")
        keys.add(bid.key)
        if bid.price_minor <= 0:
            raise ValueError(f"Bid {bid.key}: the evaluation price must be above 0.")
        for code, grade in bid.grades.items():
            if code not in tree.leaf_share:
                raise ValueError(f"Bid {bid.key}: {code} is not a graded (leaf) criterion.")
            if not 0 <= Decimal(grade) <= tree.scale[code]:
                raise ValueError(f"Bid {bid.key}: the grade on {code} must be between 0 and {tree.scale[code]}.")


def _exclusion(quality: _Quality, tree: _Tree, params: ModelParams) -> str | None:
    if quality.missing:
        return EXCLUDED_GRADES_MISSING
    if quality.share * HUNDRED < params.min_quality_overall:
        return EXCLUDED_QUALITY_OVERALL
    for code in tree.top:
        if quality.criterion_shares[code] * HUNDRED < params.min_quality_per_criterion:
            return f"{EXCLUDED_QUALITY_CRITERION}:{code}"
    if params.model == PRICE_PER_POINT and quality.share == 0:
        return EXCLUDED_QUALITY_ZERO
    return None


# --- price --------------------------------------------------------------------------------------


def linear_price_points(price: Decimal, lowest: Decimal, max_points: Decimal) -> Decimal:
    """max − max·(P − Pmin)/Pmin: the lowest price gets max, twice the lowest 0, dearer below 0."""
    return max_points - max_points * (price - lowest) / lowest


def proportional_price_points(price: Decimal, lowest: Decimal, max_points: Decimal) -> Decimal:
    """max · Pmin/P: the lowest price gets max, every other price a positive share of it."""
    return max_points * lowest / price


def interval_steps(price: Decimal, lowest: Decimal, step_percent: Decimal) -> int:
    """⌈(P − Pmin)/Pmin · 100 / step⌉, exactly (each started step counts)."""
    return math.ceil((Fraction(price) - Fraction(lowest)) * 100 / (Fraction(lowest) * Fraction(step_percent)))


def interval_price_points(price: Decimal, lowest: Decimal, params: ModelParams) -> Decimal:
    """max − steps · points per step, never below 0."""
    steps = interval_steps(price, lowest, params.interval_step_percent)
    return max(ZERO, params.max_points - steps * params.interval_points_per_step)


def monetised_price(price: Decimal, quality: _Quality, params: ModelParams) -> Decimal:
    """Deduction: P − Σ value per point × grade. Surcharge: P × (1 + s/100 × missing points)."""
    surcharge = params.surcharge_per_missing_point_percent
    if surcharge is None:
        return price - quality.money_value_minor
    missing_points = params.max_points - quality.share * params.max_points
    return price * (ONE + surcharge / HUNDRED * missing_points)


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(bids: Sequence[BidInput], criteria: Sequence[CriterionSpec], params: ModelParams) -> Evaluation:
    """Rank the bids under `params.model`. Raises ValueError on invalid criteria or parameters,
    repeated keys, non-positive prices, grades outside the scale or on non-leaf criteria."""
    problems = criteria_problems(criteria) + params_problems(params)
    if problems:
        raise ValueError("; ".join(problem.message for problem in problems))
    with localcontext(CONTEXT):
        return _evaluate(bids, criteria, params)


def _evaluate(bids: Sequence[BidInput], criteria: Sequence[CriterionSpec], params: ModelParams) -> Evaluation:
    tree = _tree(criteria)
    _check_bids(bids, tree)
    qualities = {bid.key: _quality(bid, tree) for bid in bids}
    exclusions = {bid.key: _exclusion(qualities[bid.key], tree, params) for bid in bids}
    admitted = [bid for bid in bids if exclusions[bid.key] is None]
    lowest = Decimal(min(bid.price_minor for bid in admitted)) if admitted else ZERO
    price_share = params.price_weight / HUNDRED

    scored: list[BidResult] = []
    excluded: list[BidResult] = []
    for bid in bids:
        quality = qualities[bid.key]
        quality_points = quality.share * params.max_points
        price = Decimal(bid.price_minor)
        price_points: Decimal | None = None
        evaluated: Decimal | None = None
        total: Decimal | None = None
        if exclusions[bid.key] is None:
            if params.model == POINTS_LINEAR:
                price_points = linear_price_points(price, lowest, params.max_points)
            elif params.model == POINTS_PROPORTIONAL:
                price_points = proportional_price_points(price, lowest, params.max_points)
            elif params.model == POINTS_INTERVAL:
                price_points = interval_price_points(price, lowest, params)
            elif params.model == MONETISED:
                evaluated = total = monetised_price(price, quality, params)
            else:
                total = price / quality_points
            if price_points is not None:
                total = price_share * price_points + (ONE - price_share) * quality_points
        result = BidResult(
            key=bid.key, quality_points=quality_points, quality_share=quality.share, price_points=price_points,
            total=total, evaluated_price_minor=evaluated, rank=None, excluded=exclusions[bid.key],
            rounded_total=None if total is None else round_display(total),
            criterion_shares=dict(quality.criterion_shares),
        )
        (excluded if total is None else scored).append(result)

    higher_wins = params.model in POINTS_MODELS

    def best_first(result: BidResult) -> tuple[Decimal, str]:
        assert result.total is not None
        return (-result.total if higher_wins else result.total, result.key)

    scored.sort(key=best_first)
    ranked: list[BidResult] = []
    for position, result in enumerate(scored, start=1):
        previous = ranked[-1] if ranked else None
        rank = previous.rank if previous is not None and previous.total == result.total else position
        ranked.append(replace(result, rank=rank))
    excluded.sort(key=lambda result: result.key)
    firsts = [result.key for result in ranked if result.rank == 1]
    return Evaluation(model=params.model, results=(*ranked, *excluded),
                      winner=firsts[0] if len(firsts) == 1 else None)


# --- comparison ---------------------------------------------------------------------------------


def compare_models(
    bids: Sequence[BidInput], criteria: Sequence[CriterionSpec], params: ModelParams,
) -> tuple[dict[str, Evaluation], list[Warning]]:
    """Every model side by side on the same bids, criteria and shared parameters, with warnings:
    `winner_differs` for each model whose winner is not the winner under `params.model` (the
    published model), and `rank_reversal` for each model and each ranked bid below the first rank
    whose removal changes that model's winner."""
    evaluations = {model: evaluate(bids, criteria, replace(params, model=model)) for model in MODELS}
    warnings: list[Warning] = []
    published = evaluations[params.model]
    for model, evaluation in evaluations.items():
        if model != params.model and evaluation.winner != published.winner:
            warnings.append(Warning(WINNER_DIFFERS, model, {
                "winner": evaluation.winner or "", "other_model": params.model,
                "other_winner": published.winner or "",
            }))
    for model, evaluation in evaluations.items():
        for result in evaluation.results:
            if result.rank is None or result.rank == 1:
                continue
            remaining = [bid for bid in bids if bid.key != result.key]
            after = evaluate(remaining, criteria, replace(params, model=model)).winner
            if after != evaluation.winner:
                warnings.append(Warning(RANK_REVERSAL, model, {
                    "removed": result.key, "winner_before": evaluation.winner or "", "winner_after": after or "",
                }))
    return evaluations, warnings


def _number(value: Decimal | None) -> str | None:
    """Exact decimal text without trailing zeros (8.040 → "8.04", 1.25E+5 → "125000")."""
    return None if value is None else format(value.normalize(CONTEXT), "f")


def comparison_as_dict(evaluations: Mapping[str, Evaluation], warnings: Sequence[Warning]) -> dict[str, Any]:
    """`compare_models`' output as JSON-ready data (numbers as exact decimal text), for the award
    decision's stored evaluation and the API."""
    return {
        "rounding": ROUNDING,
        "models": {
            model: {
                "winner": evaluation.winner,
                "results": [
                    {
                        "key": r.key,
                        "rank": r.rank,
                        "excluded": r.excluded,
                        "quality_points": _number(r.quality_points),
                        "quality_share": _number(r.quality_share),
                        "price_points": _number(r.price_points),
                        "total": _number(r.total),
                        "rounded_total": None if r.rounded_total is None else format(r.rounded_total, "f"),
                        "evaluated_price_minor": _number(r.evaluated_price_minor),
                        "criterion_shares": {code: _number(share) for code, share in r.criterion_shares.items()},
                    }
                    for r in evaluation.results
                ],
            }
            for model, evaluation in evaluations.items()
        },
        "warnings": [{"code": w.code, "model": w.model, "detail": dict(w.detail)} for w in warnings],
    }
