"""The meals marketplace's rules, pure: order deadlines (in the municipality's time zone,
DST-safe), the split of a line between municipality and citizen, and the weekly grant limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

MODE_DELIVERY = "delivery"
MODE_SUBSIDY = "subsidy"
MODE_NOTHING = "nothing"
MODES = frozenset({MODE_DELIVERY, MODE_SUBSIDY, MODE_NOTHING})

#: Weeks per month on average (52 weeks in 12 months), for a grant per month.
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)


@dataclass(frozen=True)
class PaymentTerms:
    """What the municipality pays per meal: `amount_minor` under delivery or subsidy, nothing
    under `nothing`."""

    mode: str
    amount_minor: int = 0


@dataclass(frozen=True)
class Split:
    municipality_minor: int
    citizen_minor: int


def order_deadline(delivery_date: date, days_before: int, at: time, time_zone: str) -> datetime:
    """The last moment to order (or cancel) a meal delivered on `delivery_date`: `days_before`
    calendar days earlier at the wall-clock time `at` in the municipality's zone — calendar days,
    so the deadline stays at 12:00 local time across a DST change (never 11:00 or 13:00). A
    wall-clock time that does not exist (spring forward, 02:30) is read with the offset before
    the change and lands after the gap (03:30); an ambiguous one (fall back) is its first
    occurrence, the earlier and stricter instant."""
    if days_before < 0:
        raise ValueError("the deadline cannot be after the delivery day")
    zone = ZoneInfo(time_zone)
    day = delivery_date - timedelta(days=days_before)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def may_still_order(now: datetime, deadline: datetime) -> bool:
    """Ordering and cancelling are open up to and including the deadline."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now <= deadline


def split_line(price_minor: int, quantity: int, terms: PaymentTerms) -> Split:
    """Split a line of `quantity` meals at `price_minor` each: the municipality pays its amount
    per meal (never more than the price), the citizen the rest. Shares sum to the line price."""
    if price_minor < 0 or quantity < 0:
        raise ValueError("price and quantity cannot be negative")
    if terms.mode not in MODES:
        raise ValueError(f"unknown payment mode {terms.mode!r}")
    per_meal = 0 if terms.mode == MODE_NOTHING else min(max(terms.amount_minor, 0), price_minor)
    municipality = per_meal * quantity
    return Split(municipality, price_minor * quantity - municipality)


def meals_per_week(amount: Decimal, frequency: str) -> int | None:
    """How many meals a grant allows in one ISO week (rounded down); None for a grant for the
    whole period, which has no weekly limit."""
    if amount < 0:
        raise ValueError("a grant cannot be negative")
    if frequency == "day":
        weekly = amount * 7
    elif frequency == "week":
        weekly = amount
    elif frequency == "month":
        weekly = amount / WEEKS_PER_MONTH
    elif frequency == "period":
        return None
    else:
        raise ValueError(f"unknown frequency {frequency!r}")
    return int(weekly.to_integral_value(rounding=ROUND_FLOOR))


def weekly_room(limit: int | None, already_ordered: int) -> int | None:
    """How many more meals may be ordered in the week; None when unlimited."""
    if limit is None:
        return None
    return max(limit - already_ordered, 0)


def week_dates(year: int, week: int, weekdays: list[int] | tuple[int, ...]) -> list[date]:
    """The dates of the ISO weekdays (1 = Monday) in ISO week `year`-W`week`, in order."""
    return [date.fromisocalendar(year, week, day) for day in sorted(set(weekdays))]


def valid_week(year: int, week: int) -> bool:
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return False
    return True
