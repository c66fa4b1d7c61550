"""Periods of dates (half-open: start included, end excluded) and local-time helpers. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return cls(start, end)

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end

    def each_day(self) -> Iterator[date]:
        day = self.start
        while day < self.end:
            yield day
            day += timedelta(days=1)

    def each_month(self) -> Iterator[Period]:
        current = Period.month_of(self.start)
        while current.start < self.end:
            yield current
            current = Period.month_of(current.end)

    def local_bounds(self, tz_name: str) -> tuple[datetime, datetime]:
        """The period as aware datetimes at local midnight in `tz_name` (DST-correct)."""
        tz = ZoneInfo(tz_name)
        return (datetime.combine(self.start, time.min, tz), datetime.combine(self.end, time.min, tz))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}–{(self.end - timedelta(days=1)).isoformat()}"
