"""Pure rules of the purchaser–provider message cycle: response deadlines in working days and
adjustments within the frame of a grant. No Django."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from frivalg.core.periods import Period

#: The default response deadline of a change request, in working days.
DEFAULT_RESPONSE_WORKING_DAYS = 3
#: Bounds of the configurable deadline.
MIN_RESPONSE_WORKING_DAYS = 1
MAX_RESPONSE_WORKING_DAYS = 30

#: Evidence files: what is accepted, and how big.
EVIDENCE_CONTENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024

#: Minutes per unit of time; other units cannot be moved within a frame.
MINUTES_PER_UNIT = {"minute": 1, "hour": 60}
DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)


def is_working_day(day: date, holidays: Container[date]) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, n: int, holidays: Container[date]) -> date:
    """The n-th working day after `start` (start itself never counts). n must be at least 1."""
    if n < 1:
        raise ValueError("add at least one working day")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def sniff_content_type(head: bytes) -> str | None:
    """The evidence file's real type from its first bytes (the browser's claim is not trusted)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def evidence_problem(head: bytes, size: int) -> str | None:
    """None when the file is acceptable evidence, else 'empty', 'too_big' or 'wrong_type'."""
    if size <= 0:
        return "empty"
    if size > EVIDENCE_MAX_BYTES:
        return "too_big"
    if sniff_content_type(head) not in EVIDENCE_CONTENT_TYPES:
        return "wrong_type"
    return None


# --- adjustments within the frame ------------------------------------------------------------


def frame_period(period_kind: str, day: date) -> Period:
    """The week (Monday to Sunday) or the calendar month containing `day`."""
    if period_kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=7))
    if period_kind == "month":
        return Period.month_of(day)
    raise ValueError("a frame is a week or a month")


@dataclass(frozen=True)
class Grant:
    """The part of a decision the frame rule needs."""

    amount: Decimal
    unit: str
    frequency: str  # day, week, month (a grant for the whole period has no weekly frame)


def granted_minutes(grant: Grant, period_kind: str, period_days: int) -> int | None:
    """The granted minutes in one week or one month of `period_days` days, rounded down (the
    frame is never larger than the grant); None when the grant is not an amount of time."""
    per_unit = MINUTES_PER_UNIT.get(grant.unit)
    if per_unit is None or grant.frequency not in {"day", "week", "month"}:
        return None
    if period_kind not in {"week", "month"} or period_days <= 0:
        raise ValueError("a frame is a week or a month")
    minutes = grant.amount * per_unit
    if grant.frequency == "day":
        total = minutes * period_days
    elif grant.frequency == "week":
        total = minutes if period_kind == "week" else minutes * period_days / 7
    elif period_kind == "month":
        total = minutes
    else:
        total = minutes * MONTHS_PER_YEAR / DAYS_PER_YEAR * period_days
    return int(total.to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class FrameMove:
    """A move of time inside one period: `minutes_moved` from one day or task to another, and
    the period's total planned or used minutes once the move is made."""

    granted_minutes: int
    minutes_moved: int
    planned_minutes_after: int


def frame_move_problems(move: FrameMove) -> dict[str, str]:
    """Error codes per field; empty when the move stays within the frame."""
    problems: dict[str, str] = {}
    if move.minutes_moved <= 0:
        problems["minutes_moved"] = "not_positive"
    elif move.minutes_moved > move.granted_minutes:
        problems["minutes_moved"] = "more_than_granted"
    if move.planned_minutes_after < 0:
        problems["planned_minutes_after"] = "negative"
    elif move.planned_minutes_after > move.granted_minutes:
        problems["planned_minutes_after"] = "over_frame"
    return problems


def within_frame(move: FrameMove) -> bool:
    return not frame_move_problems(move)
