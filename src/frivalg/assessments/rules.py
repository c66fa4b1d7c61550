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

#: An average month has 365/12 days and a week 7: every conversion goes through the amount per
#: day, so assessments, settlement and follow-up count granted time the same way.
DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)
DAYS_PER_WEEK = Decimal(7)
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


def daily_amount(amount: Decimal, frequency: str, period_days: int | None = None) -> Decimal:
    """A grant's amount per day: per day as is, per week ÷ 7, per month ÷ 365/12, and a grant
    for the whole period spread over the period's days."""
    if frequency == "day":
        return amount
    if frequency == "week":
        return amount / DAYS_PER_WEEK
    if frequency == "month":
        return amount * MONTHS_PER_YEAR / DAYS_PER_YEAR
    if frequency == "period":
        if not period_days:
            raise ValueError("a grant for the whole period needs the period's length")
        return amount / Decimal(period_days)
    raise ValueError(f"unknown frequency {frequency!r}")


def monthly_amount(amount: Decimal, frequency: str, period_days: int | None = None) -> Decimal:
    """The amount per average month (365/12 days)."""
    if frequency == "month":
        return amount
    return daily_amount(amount, frequency, period_days) * DAYS_PER_YEAR / MONTHS_PER_YEAR


def monthly_minutes(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    if unit not in TIME_UNITS:
        raise ValueError(f"{unit!r} is not a unit of time")
    return monthly_amount(amount * TIME_UNITS[unit], frequency, period_days)


def weekly_hours(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    if unit not in TIME_UNITS:
        raise ValueError(f"{unit!r} is not a unit of time")
    if frequency == "week":
        return amount * TIME_UNITS[unit] / 60
    return daily_amount(amount * TIME_UNITS[unit], frequency, period_days) * DAYS_PER_WEEK / 60


def period_is_valid(valid_from: date, valid_to: date | None) -> bool:
    return valid_to is None or valid_to >= valid_from
