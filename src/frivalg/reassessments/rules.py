"""Pure rules of reassessment: when the next reassessment is due, and which delivery figures
raise a flag. No Django: the services and selectors feed these with rows from the database."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta

#: Why a reassessment is due on its date (the earliest applicable rule wins).
REASON_STANDARD = "standard"
REASON_REHABILITATION = "rehabilitation_ended"
REASON_HOSPITAL = "hospital_stay"
REASON_HIGH_CARE = "high_care_level"
#: Set by hand on the assessment, not by a rule.
REASON_MANUAL = "manual"
REASONS = (REASON_STANDARD, REASON_REHABILITATION, REASON_HOSPITAL, REASON_HIGH_CARE, REASON_MANUAL)

#: Kinds of event that may bring a reassessment forward.
EVENT_REHABILITATION_ENDED = "rehabilitation_ended"
EVENT_HOSPITAL_STAY = "hospital_stay"
EVENT_HIGH_CARE = "high_care"
EVENT_KINDS = (EVENT_REHABILITATION_ENDED, EVENT_HOSPITAL_STAY, EVENT_HIGH_CARE)

#: On equal dates the most specific reason is kept.
_PRIORITY = {REASON_HOSPITAL: 0, REASON_REHABILITATION: 1, REASON_HIGH_CARE: 2, REASON_STANDARD: 3}

#: Kinds of flag raised from delivery data.
FLAG_TIME_ABOVE = "time_above"
FLAG_TIME_BELOW = "time_below"
FLAG_MISSED_VISITS = "missed_visits"
FLAG_HOSPITAL_STAY = "hospital_stay"

#: A care level of the catalogue's care chain (catalogue.models.CareLevel) on which the
#: shorter interval of `high_care_months` applies: 4 = home nursing and above.
HOME_NURSING_LEVEL = 4


@dataclass(frozen=True)
class ReassessmentPolicy:
    """A municipality's reassessment routine. The defaults apply when it has set none."""

    standard_months: int = 12
    after_rehabilitation_months: int = 1
    hospital_min_days: int = 3
    after_hospital_days: int = 14
    high_care_level: int = HOME_NURSING_LEVEL
    high_care_months: int = 6
    deviation_percent: int = 20
    deviation_months: int = 3
    missed_visits: int = 3
    flag_window_days: int = 30


#: (field, lowest, highest) accepted for each policy value.
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "standard_months": (1, 60),
    "after_rehabilitation_months": (1, 24),
    "hospital_min_days": (0, 365),
    "after_hospital_days": (1, 365),
    "high_care_level": (1, 7),
    "high_care_months": (1, 60),
    "deviation_percent": (1, 500),
    "deviation_months": (1, 12),
    "missed_visits": (1, 100),
    "flag_window_days": (1, 366),
}


def policy_errors(values: dict[str, int]) -> dict[str, str]:
    """Error codes per field: 'missing', 'out_of_range', 'longer_than_standard'."""
    errors: dict[str, str] = {}
    for field in fields(ReassessmentPolicy):
        value = values.get(field.name)
        low, high = POLICY_BOUNDS[field.name]
        if value is None:
            errors[field.name] = "missing"
        elif not low <= value <= high:
            errors[field.name] = "out_of_range"
    if not errors and values["high_care_months"] > values["standard_months"]:
        errors["high_care_months"] = "longer_than_standard"
    return errors


@dataclass(frozen=True)
class Event:
    """Something that may bring the reassessment forward.

    - rehabilitation_ended: `on` is the last day of a rehabilitation decision (valid_to);
    - hospital_stay: `on` is the day of discharge, `days` the length of the stay in days;
    - high_care: a granted service on a care level ≥ the policy's (`level`), valid from `on`.
    """

    kind: str
    on: date
    days: int = 0
    level: int = 0


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stay_days(start: date, end: date) -> int:
    """The length of a stay counted in calendar days, both ends included."""
    return (end - start).days + 1


def _candidate(last_assessed_on: date, event: Event, policy: ReassessmentPolicy) -> tuple[date, str] | None:
    if event.kind == EVENT_HIGH_CARE:
        if event.level < policy.high_care_level:
            return None
        return add_months(last_assessed_on, policy.high_care_months), REASON_HIGH_CARE
    if event.on < last_assessed_on:
        return None  # the last assessment already took it into account
    if event.kind == EVENT_REHABILITATION_ENDED:
        return add_months(event.on, policy.after_rehabilitation_months), REASON_REHABILITATION
    if event.kind == EVENT_HOSPITAL_STAY and event.days > policy.hospital_min_days:
        return event.on + timedelta(days=policy.after_hospital_days), REASON_HOSPITAL
    return None


def next_due(last_assessed_on: date, events: Iterable[Event], policy: ReassessmentPolicy) -> tuple[date, str]:
    """When the next reassessment is due after the one on `last_assessed_on`, and why: the
    earliest date of every rule that applies; on equal dates the most specific reason."""
    best = (add_months(last_assessed_on, policy.standard_months), REASON_STANDARD)
    for event in events:
        candidate = _candidate(last_assessed_on, event, policy)
        if candidate is not None and (candidate[0], _PRIORITY[candidate[1]]) < (best[0], _PRIORITY[best[1]]):
            best = candidate
    return best


# --- flags from delivery data ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    """One decision's granted and performed minutes in one calendar month."""

    month: date  # the first day of the month
    granted_minutes: int
    performed_minutes: int

    @property
    def percent(self) -> int:
        """Performed as a whole percentage of granted, rounded half up."""
        return (self.performed_minutes * 200 + self.granted_minutes) // (self.granted_minutes * 2)


def previous_months(as_of: date, count: int) -> list[date]:
    """The first days of the `count` complete calendar months before the month of `as_of`, oldest first."""
    first = as_of.replace(day=1)
    return [add_months(first, -offset) for offset in range(count, 0, -1)]


def time_deviation(months: Sequence[MonthFigures], policy: ReassessmentPolicy) -> str | None:
    """FLAG_TIME_ABOVE or FLAG_TIME_BELOW when performed time deviates from granted time by more
    than the policy's percentage in the same direction in each of the last `deviation_months`
    consecutive calendar months given (oldest first); None otherwise."""
    window = list(months)[-policy.deviation_months:]
    if len(window) < policy.deviation_months:
        return None
    for earlier, later in itertools.pairwise(window):
        if add_months(earlier.month, 1) != later.month:
            return None
    if any(month.granted_minutes <= 0 for month in window):
        return None
    limit = policy.deviation_percent
    if all(month.performed_minutes * 100 > month.granted_minutes * (100 + limit) for month in window):
        return FLAG_TIME_ABOVE
    if all(month.performed_minutes * 100 < month.granted_minutes * (100 - limit) for month in window):
        return FLAG_TIME_BELOW
    return None


def too_many_missed(missed: int, policy: ReassessmentPolicy) -> bool:
    return missed >= policy.missed_visits
