"""Time bands, public holidays and picking the rate in force. Pure: no Django, no I/O.

A time band is decided by the *local* wall-clock time at which a visit starts (the municipality's
time zone) and the local calendar: rate tables price weekday daytime, evening, night, weekend
daytime and public-holiday daytime differently (as Swedish municipalities and NDIS price limits
do). Night is night on every day, so a Sunday or Christmas night is `night`, not `weekend`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

import holidays as holiday_calendars
from holidays.countries.sweden import Sweden

#: The values of catalogue.models.TimeBand (a test keeps them equal); rules cannot import models.
BAND_DAY = "day"
BAND_EVENING = "evening"
BAND_NIGHT = "night"
BAND_WEEKEND = "weekend"
BAND_HOLIDAY = "holiday"
BANDS: tuple[str, ...] = (BAND_DAY, BAND_EVENING, BAND_NIGHT, BAND_WEEKEND, BAND_HOLIDAY)

SATURDAY = 5
SUNDAY = 6

#: Countries whose public holidays frivalg knows (Municipality.country).
SUPPORTED_COUNTRIES = frozenset({"DK", "SE", "NO"})


@dataclass(frozen=True)
class TimeBandScheme:
    """Where the bands begin, as local wall-clock times. Daytime is [day_start, evening_start),
    evening [evening_start, night_start), night [night_start, day_start) across midnight. On
    weekend days and public holidays the whole of day and evening is the weekend / holiday band."""

    day_start: time = time(7, 0)
    evening_start: time = time(15, 0)
    night_start: time = time(23, 0)
    weekend_days: frozenset[int] = field(default_factory=lambda: frozenset({SATURDAY, SUNDAY}))

    def __post_init__(self) -> None:
        if not self.day_start < self.evening_start <= self.night_start:
            raise ValueError("time bands must satisfy day_start < evening_start <= night_start")
        if not self.weekend_days <= frozenset(range(7)):
            raise ValueError("weekend_days are weekday numbers 0 (Monday) to 6 (Sunday)")


DEFAULT_SCHEME = TimeBandScheme()


def time_band_for(
    local_dt: datetime, holiday_dates: set[date] | frozenset[date], scheme: TimeBandScheme = DEFAULT_SCHEME
) -> str:
    """The time band of a moment given as local wall-clock time (any tzinfo is ignored: convert
    to the municipality's zone first). `holiday_dates` are the local public holidays."""
    clock = local_dt.time().replace(tzinfo=None)
    if clock < scheme.day_start:
        return BAND_NIGHT
    if clock >= scheme.night_start:
        return BAND_NIGHT
    if local_dt.date() in holiday_dates:
        return BAND_HOLIDAY
    if local_dt.weekday() in scheme.weekend_days:
        return BAND_WEEKEND
    if clock >= scheme.evening_start:
        return BAND_EVENING
    return BAND_DAY


@lru_cache(maxsize=256)
def _holidays_of_year(country: str, year: int) -> frozenset[date]:
    if country == "SE":
        # Some releases of `holidays` count every Sunday as a Swedish holiday; Sundays are
        # already priced by the weekend band, so ask for the statutory holidays only.
        return frozenset(Sweden(years=year, include_sundays=False).keys())
    return frozenset(holiday_calendars.country_holidays(country, years=year).keys())


def public_holidays(country: str, years: Iterable[int]) -> set[date]:
    """The statutory public holidays of DK, SE or NO in the given years (from `holidays`)."""
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(f"no holiday calendar for country {country!r}")
    result: set[date] = set()
    for year in years:
        result |= _holidays_of_year(country, year)
    return result


@dataclass(frozen=True)
class RateEntry:
    """One dated price: valid from `valid_from` to `valid_to` inclusive (None: open-ended)."""

    valid_from: date
    valid_to: date | None
    amount_minor: int

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def pick_rate(entries: Sequence[RateEntry], on: date) -> RateEntry | None:
    """The entry in force on `on`; if validities overlap, the one that started last wins."""
    best: RateEntry | None = None
    for entry in entries:
        if entry.in_force(on) and (best is None or entry.valid_from > best.valid_from):
            best = entry
    return best
