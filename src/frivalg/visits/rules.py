"""Pure rules for visits: DST-correct local times, check-in/out plausibility, and parsing one
row of a bulk import. No Django: errors are codes that the service translates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: How far ahead of now a check-in/out may be stamped (clock drift of a phone).
CLOCK_SKEW = timedelta(minutes=5)
#: A visit longer than this is not plausible as one visit.
MAX_VISIT = timedelta(hours=16)

IMPORT_STATUSES = frozenset({"planned", "done", "missed", "cancelled_citizen", "cancelled_provider"})
IMPORT_FIELDS = (
    "external_id", "decision", "planned_start", "planned_end", "actual_start", "actual_end",
    "status", "caregiver", "tasks", "cancelled_at", "note",
)


#: Longest text accepted per column (the model's field lengths).
TEXT_LIMITS = {"external_id": 80, "caregiver": 40, "note": 2000, "decision": 64, "tasks": 500}


@dataclass(frozen=True)
class RowError:
    field: str
    code: str


@dataclass(frozen=True)
class VisitRow:
    external_id: str
    decision: str
    planned_start: datetime
    planned_end: datetime
    status: str
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    cancelled_at: datetime | None = None
    caregiver: str = ""
    tasks: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def parse_local_datetime(text: str, tz_name: str) -> datetime | str:
    """An aware datetime from ISO 8601 text, or an error code. Text without an offset is local
    time in `tz_name`; a local time that does not exist (spring forward) or exists twice (fall
    back) is refused rather than guessed."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return "invalid_datetime"
    if parsed.tzinfo is not None:
        return parsed
    tz = ZoneInfo(tz_name)
    first, second = parsed.replace(tzinfo=tz, fold=0), parsed.replace(tzinfo=tz, fold=1)
    round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    if round_trip != parsed:
        return "nonexistent_time"
    if first.utcoffset() != second.utcoffset():
        return "ambiguous_time"
    return first


def check_in_error(planned_start: datetime, at: datetime, now: datetime) -> str | None:
    if at > now + CLOCK_SKEW:
        return "in_future"
    if at < planned_start - timedelta(hours=12):
        return "too_early"
    return None


def check_out_error(actual_start: datetime, at: datetime, now: datetime) -> str | None:
    if at > now + CLOCK_SKEW:
        return "in_future"
    if at < actual_start:
        return "before_check_in"
    if at - actual_start > MAX_VISIT:
        return "too_long"
    return None


def parse_import_row(row: Mapping[str, str], tz_name: str) -> VisitRow | list[RowError]:
    """Validate one row of a visit import. Returns the parsed row or every error found."""
    errors: list[RowError] = []
    unknown = sorted(set(row) - set(IMPORT_FIELDS))
    errors.extend(RowError(name, "unknown_field") for name in unknown)
    errors.extend(RowError(name, "invalid_character") for name, value in sorted(row.items()) if "\x00" in str(value))

    def text(name: str) -> str:
        value = row.get(name)
        return "" if value is None else str(value).strip()

    def when(name: str, required: bool) -> datetime | None:
        value = text(name)
        if not value:
            if required:
                errors.append(RowError(name, "required"))
            return None
        parsed = parse_local_datetime(value, tz_name)
        if isinstance(parsed, str):
            errors.append(RowError(name, parsed))
            return None
        return parsed

    for name in ("external_id", "decision"):
        if not text(name):
            errors.append(RowError(name, "required"))
    status = text("status") or "planned"
    if status not in IMPORT_STATUSES:
        errors.append(RowError("status", "invalid_status"))
    planned_start, planned_end = when("planned_start", True), when("planned_end", True)
    needs_times = status == "done"
    actual_start, actual_end = when("actual_start", needs_times), when("actual_end", needs_times)
    cancelled_at = when("cancelled_at", status.startswith("cancelled"))
    if planned_start and planned_end and planned_end <= planned_start:
        errors.append(RowError("planned_end", "end_before_start"))
    if actual_end and not actual_start:
        errors.append(RowError("actual_start", "required"))
    if actual_start and actual_end and actual_end < actual_start:
        errors.append(RowError("actual_end", "end_before_start"))
    if actual_start and actual_end and actual_end - actual_start > MAX_VISIT:
        errors.append(RowError("actual_end", "too_long"))
    if status in {"planned", "missed"} and (actual_start or actual_end):
        errors.append(RowError("status", "times_without_done"))
    for name, limit in TEXT_LIMITS.items():
        if len(text(name)) > limit:
            errors.append(RowError(name, "too_long_text"))
    if errors:
        return errors
    assert planned_start is not None and planned_end is not None
    tasks = tuple(code.strip() for code in text("tasks").replace(",", ";").split(";") if code.strip())
    return VisitRow(
        external_id=text("external_id"), decision=text("decision"), planned_start=planned_start,
        planned_end=planned_end, status=status, actual_start=actual_start, actual_end=actual_end,
        cancelled_at=cancelled_at, caregiver=text("caregiver"), tasks=tasks, note=text("note"),
    )
