"""What one visit is worth: payment by verified performed time (seed 001: paying by decided time
without checking performed time drives cost). Pure: no Django — the reference implementation for
the columnar settlement engine.

For a visit that was done (checked in and out):

1. performed minutes = checked-out − checked-in, in whole minutes (seconds are dropped);
2. rounded up to the rounding unit (e.g. 5 minutes);
3. raised to the minimum payable time (e.g. 15 minutes) — a visit has a fixed cost of getting there;
4. capped at planned minutes × tolerance (e.g. 1.25) — overrun beyond that needs a new decision.

The line's reason code names the last rule that changed the number (capped, minimum, rounded) or
`performed` when none did. A citizen's late cancellation pays a share of the planned time; other
cancellations, missed and unverified visits (not checked out, or checked out the same minute)
pay nothing, and so does a visit with no rate in force. Amounts are hourly rate × payable minutes
÷ 60, rounded once, half up (core.money).

A visit split over time bands (the municipality's crossing rule `split`, catalogue.rules.
allocate_minutes) is still one line: its payable minutes are priced proportionally across the
parts' hourly rates (split_amount), rounded once at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from frivalg.core.money import per_minute_amount

#: The values of visits.models.VisitStatus (a test keeps them equal).
STATUS_PLANNED = "planned"
STATUS_IN_PROGRESS = "in_progress"
STATUS_DONE = "done"
STATUS_MISSED = "missed"
STATUS_CANCELLED_CITIZEN = "cancelled_citizen"
STATUS_CANCELLED_PROVIDER = "cancelled_provider"
VISIT_STATUSES = frozenset(
    {
        STATUS_PLANNED,
        STATUS_IN_PROGRESS,
        STATUS_DONE,
        STATUS_MISSED,
        STATUS_CANCELLED_CITIZEN,
        STATUS_CANCELLED_PROVIDER,
    }
)

#: The values of settlements.models.ReasonCode (a test keeps them equal).
REASON_PERFORMED = "performed"
REASON_ROUNDED = "rounded"
REASON_CAPPED = "capped"
REASON_MINIMUM = "minimum"
REASON_MISSED = "missed"
REASON_UNVERIFIED = "unverified"
REASON_LATE_CANCELLATION = "late_cancel"
REASON_TIMELY_CANCELLATION = "cancel"
REASON_PROVIDER_CANCELLED = "prov_cancel"
REASON_NO_RATE = "no_rate"

#: Payable minutes are stored with two decimals (SettlementLine.payable_minutes).
MINUTES_QUANTUM = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class SettlementConfig:
    """The municipality's payment terms for performed time. Defaults follow common Nordic terms."""

    tolerance: Decimal = Decimal("1.25")
    rounding_unit_minutes: int = 5
    minimum_minutes: int = 15
    late_cancellation_notice_hours: int = 24
    late_cancellation_share: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        if self.tolerance < 1:
            raise ValueError("tolerance must be at least 1 (pay at least the planned time)")
        if self.rounding_unit_minutes < 1:
            raise ValueError("rounding_unit_minutes must be at least 1")
        if self.minimum_minutes < 0:
            raise ValueError("minimum_minutes cannot be negative")
        if self.late_cancellation_notice_hours < 0:
            raise ValueError("late_cancellation_notice_hours cannot be negative")
        if not ZERO <= self.late_cancellation_share <= 1:
            raise ValueError("late_cancellation_share is a fraction between 0 and 1")

    @property
    def late_cancellation_notice(self) -> timedelta:
        return timedelta(hours=self.late_cancellation_notice_hours)


DEFAULT_CONFIG = SettlementConfig()


@dataclass(frozen=True)
class VisitFacts:
    """What a settlement needs to know about one visit (aware datetimes)."""

    status: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    cancelled_at: datetime | None = None
    time_band: str = "day"


@dataclass(frozen=True)
class LineResult:
    planned_minutes: int
    performed_minutes: int
    payable_minutes: Decimal
    amount_minor: int
    reason_code: str


def whole_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from start to end, seconds dropped; never negative."""
    return max(0, int((end - start).total_seconds() // 60))


def round_up(minutes: int, unit: int) -> int:
    return -(-minutes // unit) * unit


def payable_for_performed(planned: int, performed: int, config: SettlementConfig) -> tuple[Decimal, str]:
    """Payable minutes and the reason code for a done visit (steps 2–4 of the module doc)."""
    cap = (Decimal(planned) * config.tolerance).quantize(MINUTES_QUANTUM, rounding=ROUND_DOWN)
    rounded = round_up(performed, config.rounding_unit_minutes)
    payable = Decimal(max(rounded, config.minimum_minutes))
    if payable > cap:
        return cap, REASON_CAPPED
    if rounded < config.minimum_minutes:
        return payable, REASON_MINIMUM
    if rounded != performed:
        return payable, REASON_ROUNDED
    return payable, REASON_PERFORMED


@dataclass(frozen=True)
class PricedPart:
    """A part of a visit in one time band: its hourly rate (øre/öre) and its whole minutes."""

    hourly_minor: int
    minutes: int


def split_amount(parts: Sequence[PricedPart], payable: Decimal) -> int:
    """The amount for `payable` minutes priced proportionally across parts in several bands:

        amount = Σ_parts hourly_minor_p × payable × minutes_p / total_minutes / 60

    computed exactly (fractions) and rounded once at the end, half up, to whole øre/öre. With
    one part (or equal rates) it is the single-rate amount hourly × payable / 60."""
    total = sum(part.minutes for part in parts)
    if total <= 0:
        raise ValueError("a split visit needs parts with minutes")
    if any(part.minutes < 0 or part.hourly_minor < 0 for part in parts):
        raise ValueError("parts have no negative minutes or rates")
    if payable < 0:
        raise ValueError("payable minutes cannot be negative")
    weighted = sum(part.hourly_minor * part.minutes for part in parts)
    exact = Fraction(weighted) * Fraction(payable) / (total * 60)
    return (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)  # half up, not negative


def _zero(planned: int, performed: int, reason: str) -> LineResult:
    return LineResult(planned, performed, ZERO, 0, reason)


def settle_visit(
    facts: VisitFacts,
    hourly_minor: int | None,
    config: SettlementConfig = DEFAULT_CONFIG,
    *,
    split: Sequence[PricedPart] = (),
) -> LineResult:
    """The payment for one visit at `hourly_minor` per hour (None: no rate in force). With `split`
    (two or more parts of a visit crossing band boundaries) the payable minutes are priced across
    the parts' rates by split_amount instead; `hourly_minor` is then the first part's rate, shown
    on the line, and None when any part has no rate."""
    if facts.status not in VISIT_STATUSES:
        raise ValueError(f"unknown visit status {facts.status!r}")
    if hourly_minor is not None and hourly_minor < 0:
        raise ValueError("an hourly rate cannot be negative")
    planned = whole_minutes(facts.planned_start, facts.planned_end)
    if facts.status == STATUS_MISSED:
        return _zero(planned, 0, REASON_MISSED)
    if facts.status == STATUS_CANCELLED_PROVIDER:
        return _zero(planned, 0, REASON_PROVIDER_CANCELLED)
    if facts.status == STATUS_CANCELLED_CITIZEN:
        notice = facts.planned_start - facts.cancelled_at if facts.cancelled_at is not None else timedelta(0)
        if notice >= config.late_cancellation_notice:
            return _zero(planned, 0, REASON_TIMELY_CANCELLATION)
        payable = (Decimal(planned) * config.late_cancellation_share).quantize(MINUTES_QUANTUM, rounding=ROUND_DOWN)
        reason = REASON_LATE_CANCELLATION
        performed = 0
    else:
        if facts.status != STATUS_DONE or facts.actual_start is None or facts.actual_end is None:
            return _zero(planned, 0, REASON_UNVERIFIED)
        performed = whole_minutes(facts.actual_start, facts.actual_end)
        if performed == 0:
            return _zero(planned, 0, REASON_UNVERIFIED)
        payable, reason = payable_for_performed(planned, performed, config)
    if hourly_minor is None:
        return _zero(planned, performed, REASON_NO_RATE)
    if len(split) > 1:
        return LineResult(planned, performed, payable, split_amount(split, payable), reason)
    return LineResult(planned, performed, payable, per_minute_amount(hourly_minor, payable), reason)
