"""Key figures of a welfare market: shares, concentration, decided vs delivered time. Pure: no
Django — the selectors aggregate in the database and hand small tables to these functions.

Concentration is the Herfindahl–Hirschman index on the customary 0–10 000 scale: the sum of the
squared market shares in per cent. One provider with every client gives 10 000; n equal providers
give 10 000 / n. Competition authorities read below 1 500 as unconcentrated, 1 500–2 500 as
moderately and above 2 500 as highly concentrated (US DOJ/FTC horizontal merger guidelines 2010,
also used by the Nordic competition authorities)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from frivalg.assessments.rules import TIME_UNITS, daily_amount

HHI_MAX = Decimal(10000)
HHI_MODERATE_FROM = Decimal(1500)
HHI_HIGH_FROM = Decimal(2500)

CONCENTRATION_LOW = "unconcentrated"
CONCENTRATION_MODERATE = "moderate"
CONCENTRATION_HIGH = "high"

SHARE_QUANTUM = Decimal("0.0001")
HOURS_QUANTUM = Decimal("0.01")
HHI_QUANTUM = Decimal("0.01")


def shares(counts: Mapping[str, int]) -> dict[str, Decimal]:
    """Each key's share of the total, as a fraction 0–1 (unrounded). Keys with a zero count keep
    a zero share; an empty or all-zero table has no shares."""
    if any(count < 0 for count in counts.values()):
        raise ValueError("counts cannot be negative")
    total = sum(counts.values())
    if total == 0:
        return {}
    return {key: Decimal(count) / Decimal(total) for key, count in counts.items()}


def hhi(market_shares: Mapping[str, Decimal] | Iterable[Decimal]) -> Decimal:
    """Herfindahl–Hirschman index, 0–10 000 (shares given as fractions 0–1), rounded to 0.01."""
    values = market_shares.values() if isinstance(market_shares, Mapping) else market_shares
    total = sum(((share * 100) ** 2 for share in values), Decimal(0))
    return total.quantize(HHI_QUANTUM, rounding=ROUND_HALF_UP)


def concentration(index: Decimal) -> str:
    if index < HHI_MODERATE_FROM:
        return CONCENTRATION_LOW
    if index <= HHI_HIGH_FROM:
        return CONCENTRATION_MODERATE
    return CONCENTRATION_HIGH


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole to four decimals, or None when there is no whole to compare with."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_UP)


def overlap_days(valid_from: date, valid_to: date | None, start: date, end: date) -> int:
    """Days of [valid_from, valid_to] (inclusive; None: open) inside the period [start, end)."""
    first = max(valid_from, start)
    after_last = end if valid_to is None else min(valid_to + timedelta(days=1), end)
    return max(0, (after_last - first).days)


@dataclass(frozen=True)
class GrantGroup:
    """The summed amount of the time-based decisions sharing one validity, unit and frequency."""

    valid_from: date
    valid_to: date | None
    unit: str
    frequency: str
    amount: Decimal


def granted_hours(groups: Iterable[GrantGroup], start: date, end: date) -> Decimal:
    """Hours decided for the period [start, end): each grant's daily amount times the days it is
    in force in the period. Grants not in time units, and grants 'for the whole period' with no
    end date, are left out."""
    total = Decimal(0)
    for group in groups:
        if group.unit not in TIME_UNITS:
            continue
        days = overlap_days(group.valid_from, group.valid_to, start, end)
        if days == 0:
            continue
        period_days = None
        if group.frequency == "period":
            if group.valid_to is None:
                continue
            period_days = (group.valid_to - group.valid_from).days + 1
        minutes = daily_amount(group.amount, group.frequency, period_days) * days * TIME_UNITS[group.unit]
        total += minutes / 60
    return total.quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def average_weekly_hours(hours: Decimal, period_days: int, recipients: int) -> Decimal | None:
    """Average hours per recipient per week over a period."""
    if not recipients or not period_days:
        return None
    return (hours * 7 / period_days / recipients).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


# -- cost follow-up -------------------------------------------------------------------------------
# The reference implementation of the economy indicators' arithmetic (followup.indicators.economy
# computes the same in the engine; the tests hold the two together).


def divide_half_up(numerator: int, denominator: int) -> int | None:
    """numerator / denominator as a whole number, halves rounded up (towards +∞): 5/2 → 3,
    −5/2 → −2. None when there is nothing to divide by."""
    if denominator == 0:
        return None
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    return (2 * numerator + denominator) // (2 * denominator)


def year_end_forecast(monthly_cost: Mapping[date, int], year: int, as_of: date) -> dict[date, tuple[int | None, bool]]:
    """Each month of `year` (first days) → (forecast cost, projected). `monthly_cost` holds the
    months that have settled cost (first days; other months have none); only months before
    `as_of` count. Months up to the last month with cost are actual (0 when a month in between
    has none); later months are projected at the average of the year's months with cost, halves
    rounded up — None when the year has no month with cost yet."""
    known = {month: cost for month, cost in monthly_cost.items() if month.year == year and month < as_of}
    last = max(known, default=None)
    average = divide_half_up(sum(known.values()), len(known))
    forecast: dict[date, tuple[int | None, bool]] = {}
    for number in range(1, 13):
        month = date(year, number, 1)
        if last is not None and month <= last:
            forecast[month] = (known.get(month, 0), False)
        else:
            forecast[month] = (average, True)
    return forecast
