"""Pure rules for assessments and decisions: scales, amounts and units. No Django."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

#: FSIII function ability: 0 no limitation … 4 complete limitation; 9 = not relevant.
FSIII_SCORES = frozenset({0, 1, 2, 3, 4, 9})
#: IPLOS (Norway): 1 independent … 5 fully dependent.
IPLOS_SCORES = frozenset({1, 2, 3, 4, 5})
SCALES: Mapping[str, frozenset[int]] = {"fsiii": FSIII_SCORES, "iplos": IPLOS_SCORES}

#: An average month has 52/12 weeks and 365/12 days; amounts are multiplied before dividing
#: so that the same grant written in hours or minutes gives exactly the same result.
WEEKS_PER_YEAR = Decimal(52)
DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)
TIME_UNITS: Mapping[str, int] = {"minute": 1, "hour": 60}

#: Days a citizen has to choose a provider after a decision before the default rule applies.
CHOICE_DEADLINE_DAYS = 14


def validate_scores(scale: str, scores: Mapping[str, int]) -> dict[str, str]:
    """Error codes per area: 'unknown_scale', 'out_of_scale', 'empty'."""
    allowed = SCALES.get(scale)
    if allowed is None:
        return {"scale": "unknown_scale"}
    if not scores:
        return {"scores": "empty"}
    return {area: "out_of_scale" for area, score in scores.items() if score not in allowed}


def units_compatible(service_unit: str, decision_unit: str) -> bool:
    """Time may be granted in minutes or hours for a timed service; other units must match."""
    if service_unit in TIME_UNITS and decision_unit in TIME_UNITS:
        return True
    return service_unit == decision_unit


def monthly_amount(amount: Decimal, frequency: str, period_days: int | None = None) -> Decimal:
    """The amount per average month. A grant 'for the whole period' is spread over its days."""
    if frequency == "day":
        return amount * DAYS_PER_YEAR / MONTHS_PER_YEAR
    if frequency == "week":
        return amount * WEEKS_PER_YEAR / MONTHS_PER_YEAR
    if frequency == "month":
        return amount
    if frequency == "period":
        if not period_days:
            raise ValueError("a grant for the whole period needs the period's length")
        return amount * DAYS_PER_YEAR / MONTHS_PER_YEAR / Decimal(period_days)
    raise ValueError(f"unknown frequency {frequency!r}")


def monthly_minutes(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    if unit not in TIME_UNITS:
        raise ValueError(f"{unit!r} is not a unit of time")
    return monthly_amount(amount * TIME_UNITS[unit], frequency, period_days)


def weekly_hours(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    return monthly_minutes(amount, unit, frequency, period_days) * MONTHS_PER_YEAR / WEEKS_PER_YEAR / 60


def period_is_valid(valid_from: date, valid_to: date | None) -> bool:
    return valid_to is None or valid_to >= valid_from
