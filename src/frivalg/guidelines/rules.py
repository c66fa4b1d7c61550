"""Pure rules of the service guidelines (the municipality's quality standard): which services,
in which amount, an assessment's function-ability scores lead to. No Django.

A **condition** names an area code or an area-code prefix, a comparison and a threshold:
`{"area": "J1", "op": ">=", "score": 2}`. A prefix covers the code itself and every code below
it ("J1" covers "J1", "J1.1", "J1.10", but "J1.1" does not cover "J1.10"). A condition holds
when at least one scored area it covers satisfies the comparison. On FSIII a score of 9 ("not
relevant") never satisfies a condition, whatever the comparison.

A **rule** holds when ALL (or ANY, as the rule says) of its conditions hold, and then proposes
its service in its amount.

**Several rules proposing the same service**: the proposal with the largest amount per day is
kept (time in minutes; per week ÷ 7, per month ÷ 365/12, as `assessments.rules.daily_amount`).
Ties are broken by the lowest rule order, then by label, amount, unit, frequency and
explanation, so the result never depends on the sequence the rules are given in.

**Order of the result**: by care level (the care chain), then service code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from frivalg.assessments.rules import SCALES, TIME_UNITS, daily_amount

#: FSIII's "not relevant": never satisfies a condition.
NOT_RELEVANT = 9
GREATER_OR_EQUAL = ">="
LESS_OR_EQUAL = "<="
EQUAL = "="
COMPARISONS = (GREATER_OR_EQUAL, LESS_OR_EQUAL, EQUAL)
ALL = "all"
ANY = "any"
COMBINATIONS = (ALL, ANY)
#: A rule proposes an amount per day, week or month (never "for the whole period": a guideline
#: has no period of its own).
FREQUENCIES = ("day", "week", "month")
MAX_CONDITIONS = 10
AREA_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")
AREA_MAX_LENGTH = 80


@dataclass(frozen=True, order=True)
class Condition:
    area: str
    comparison: str
    threshold: int

    def covers(self, area_code: str) -> bool:
        return area_code == self.area or area_code.startswith(self.area + ".")

    def satisfied_by(self, score: int, scale: str) -> bool:
        if scale == "fsiii" and score == NOT_RELEVANT:
            return False
        if self.comparison == GREATER_OR_EQUAL:
            return score >= self.threshold
        if self.comparison == LESS_OR_EQUAL:
            return score <= self.threshold
        return score == self.threshold

    def holds(self, scores: Mapping[str, int], scale: str) -> bool:
        return any(self.satisfied_by(score, scale) for area, score in scores.items() if self.covers(area))


@dataclass(frozen=True)
class Rule:
    label: str
    conditions: tuple[Condition, ...]
    service_code: str
    care_level: int
    amount: Decimal
    unit: str
    frequency: str
    explanation: str = ""
    combine: str = ALL
    order: int = 0

    def holds(self, scores: Mapping[str, int], scale: str) -> bool:
        results = (condition.holds(scores, scale) for condition in self.conditions)
        if not self.conditions:
            return False
        return any(results) if self.combine == ANY else all(results)

    def amount_per_day(self) -> Decimal:
        """Minutes per day for time, otherwise the rule's own unit per day."""
        return daily_amount(self.amount * TIME_UNITS.get(self.unit, 1), self.frequency)


@dataclass(frozen=True)
class Proposal:
    service_code: str
    amount: Decimal
    unit: str
    frequency: str
    rule_label: str
    explanation: str


def _preference(rule: Rule) -> tuple[Any, ...]:
    """Smaller is preferred: the largest amount per day, then the documented tie-breaks."""
    return (-rule.amount_per_day(), rule.order, rule.label, rule.amount, rule.unit, rule.frequency,
            rule.explanation, rule.combine, rule.conditions, rule.care_level)


def propose(scores: Mapping[str, int], rules: Sequence[Rule], scale: str) -> list[Proposal]:
    """The services the guideline proposes for these scores: at most one per service."""
    chosen: dict[str, Rule] = {}
    for rule in rules:
        if not rule.holds(scores, scale):
            continue
        current = chosen.get(rule.service_code)
        if current is None or _preference(rule) < _preference(current):
            chosen[rule.service_code] = rule
    ordered = sorted(chosen.values(), key=lambda rule: (rule.care_level, rule.service_code))
    return [
        Proposal(service_code=rule.service_code, amount=rule.amount, unit=rule.unit, frequency=rule.frequency,
                 rule_label=rule.label, explanation=rule.explanation)
        for rule in ordered
    ]


def thresholds(scale: str) -> frozenset[int]:
    """The thresholds a condition may use: the scale's scores without FSIII's "not relevant"."""
    scores = SCALES[scale]
    return scores - {NOT_RELEVANT} if scale == "fsiii" else scores


def parse_conditions(raw: object, scale: str) -> tuple[tuple[Condition, ...], dict[str, str]]:
    """Conditions as stored (a JSON list of {"area", "op", "score"}) → Conditions, and error codes
    keyed "conditions" or "conditions.<index>.<area|op|score>":
    not_a_list, empty, too_many, not_an_object, unknown_key, area_invalid, op_invalid,
    score_invalid, score_not_relevant, unknown_scale."""
    if scale not in SCALES:
        return (), {"conditions": "unknown_scale"}
    if not isinstance(raw, list):
        return (), {"conditions": "not_a_list"}
    if not raw:
        return (), {"conditions": "empty"}
    if len(raw) > MAX_CONDITIONS:
        return (), {"conditions": "too_many"}
    errors: dict[str, str] = {}
    conditions: list[Condition] = []
    allowed = thresholds(scale)
    for index, item in enumerate(raw):
        key = f"conditions.{index}"
        if not isinstance(item, dict):
            errors[key] = "not_an_object"
            continue
        if set(item) - {"area", "op", "score"}:
            errors[key] = "unknown_key"
            continue
        area, comparison, threshold = item.get("area"), item.get("op"), item.get("score")
        if not isinstance(area, str) or len(area) > AREA_MAX_LENGTH or not AREA_PATTERN.match(area):
            errors[f"{key}.area"] = "area_invalid"
        if comparison not in COMPARISONS:
            errors[f"{key}.op"] = "op_invalid"
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            errors[f"{key}.score"] = "score_invalid"
        elif scale == "fsiii" and threshold == NOT_RELEVANT:
            errors[f"{key}.score"] = "score_not_relevant"
        elif threshold not in allowed:
            errors[f"{key}.score"] = "score_invalid"
        if not any(name.startswith(key) for name in errors):
            assert isinstance(area, str) and isinstance(comparison, str) and isinstance(threshold, int)
            conditions.append(Condition(area, comparison, threshold))
    return tuple(conditions), errors


def conditions_as_data(conditions: Sequence[Condition]) -> list[dict[str, object]]:
    return [{"area": c.area, "op": c.comparison, "score": c.threshold} for c in conditions]


def validate_amount(amount: Decimal, frequency: str, combine: str) -> dict[str, str]:
    """Error codes: amount_not_positive, frequency_invalid, combine_invalid."""
    errors: dict[str, str] = {}
    if not amount.is_finite() or amount <= 0:
        errors["amount"] = "amount_not_positive"
    if frequency not in FREQUENCIES:
        errors["frequency"] = "frequency_invalid"
    if combine not in COMBINATIONS:
        errors["combine"] = "combine_invalid"
    return errors
