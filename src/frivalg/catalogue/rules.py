"""Time bands, public holidays, picking the rate in force and reading rate-table rows. Pure: no
Django, no I/O.

A time band is decided by the *local* wall-clock time at which a visit starts (the municipality's
time zone) and the local calendar: rate tables price weekday daytime, evening, night, weekend
daytime and public-holiday daytime differently (as Swedish municipalities and NDIS price limits
do). Night is night on every day, so a Sunday or Christmas night is `night`, not `weekend`.
A municipality may split the weekend into Saturday and Sunday and add its own days (Christmas
Eve as a holiday, Christmas Day as a "major holiday"); a rate table that has no price for such a
band falls back to the broader one (`BAND_FALLBACK`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import holidays as holiday_calendars
from holidays.countries.sweden import Sweden

#: The values of catalogue.models.TimeBand (a test keeps them equal); rules cannot import models.
BAND_DAY = "day"
BAND_EVENING = "evening"
BAND_NIGHT = "night"
BAND_WEEKEND = "weekend"
BAND_HOLIDAY = "holiday"
BAND_SATURDAY = "saturday"
BAND_SUNDAY = "sunday"
BAND_MAJOR_HOLIDAY = "major"
BANDS: tuple[str, ...] = (
    BAND_DAY,
    BAND_EVENING,
    BAND_NIGHT,
    BAND_WEEKEND,
    BAND_HOLIDAY,
    BAND_SATURDAY,
    BAND_SUNDAY,
    BAND_MAJOR_HOLIDAY,
)
#: A band a rate table may leave unpriced, and the band whose price applies instead.
BAND_FALLBACK: Mapping[str, str] = {
    BAND_SATURDAY: BAND_WEEKEND,
    BAND_SUNDAY: BAND_WEEKEND,
    BAND_MAJOR_HOLIDAY: BAND_HOLIDAY,
}
#: The bands a municipality-defined extra day can carry.
EXTRA_DAY_BANDS: tuple[str, ...] = (BAND_HOLIDAY, BAND_MAJOR_HOLIDAY)

#: The values of core.models.DistrictKind, and "all" for a rate that applies in every area.
AREA_ALL = "all"
AREAS: tuple[str, ...] = (AREA_ALL, "town", "suburb", "rural")

SATURDAY = 5
SUNDAY = 6

#: Countries whose public holidays frivalg knows (Municipality.country).
SUPPORTED_COUNTRIES = frozenset({"DK", "SE", "NO"})


#: How a visit that crosses a band boundary is priced: by the band it starts in, by the band it
#: spends most time in, or split over the bands in proportion.
CROSSING_START = "start"
CROSSING_MAJORITY = "majority"
CROSSING_SPLIT = "split"
#: The values of catalogue.models.CrossingRule (a test keeps them equal).
CROSSING_RULES: tuple[str, ...] = (CROSSING_SPLIT, CROSSING_START, CROSSING_MAJORITY)


@dataclass(frozen=True)
class ExtraDay:
    """A day the municipality prices as a holiday (or a major holiday) every year, e.g. Christmas
    Eve (12, 24). Marking a statutory holiday as major makes it a major holiday."""

    month: int
    day: int
    band: str = BAND_HOLIDAY

    def __post_init__(self) -> None:
        if self.band not in EXTRA_DAY_BANDS:
            raise ValueError(f"an extra day is a holiday or a major holiday, not {self.band!r}")
        date(2000, self.month, self.day)  # a leap year, so 29 February is a day; raises otherwise


@dataclass(frozen=True)
class TimeBandScheme:
    """Where the bands begin, as local wall-clock times. Daytime is [day_start, evening_start),
    evening [evening_start, night_start), night [night_start, day_start) across midnight. On
    weekend days and public holidays the whole of day and evening is the weekend / holiday band;
    with `split_weekend` Saturday and Sunday are bands of their own. `crossing_rule` says how a
visit crossing a boundary is priced (allocate_minutes)."""

    day_start: time = time(7, 0)
    evening_start: time = time(15, 0)
    night_start: time = time(23, 0)
    weekend_days: frozenset[int] = field(default_factory=lambda: frozenset({SATURDAY, SUNDAY}))
    split_weekend: bool = False
    extra_days: tuple[ExtraDay, ...] = ()
    crossing_rule: str = CROSSING_START

    def __post_init__(self) -> None:
        if self.crossing_rule not in CROSSING_RULES:
            raise ValueError(f"unknown crossing rule {self.crossing_rule!r}")
        if not self.day_start < self.evening_start <= self.night_start:
            raise ValueError("time bands must satisfy day_start < evening_start <= night_start")
        if not self.weekend_days <= frozenset(range(7)):
            raise ValueError("weekend_days are weekday numbers 0 (Monday) to 6 (Sunday)")

    def extra_band(self, day: date) -> str | None:
        """The band of a municipality-defined extra day (major wins if a day is listed twice)."""
        bands = {e.band for e in self.extra_days if (e.month, e.day) == (day.month, day.day)}
        if BAND_MAJOR_HOLIDAY in bands:
            return BAND_MAJOR_HOLIDAY
        return BAND_HOLIDAY if bands else None


DEFAULT_SCHEME = TimeBandScheme()


def time_band_for(
    local_dt: datetime, holiday_dates: set[date] | frozenset[date], scheme: TimeBandScheme = DEFAULT_SCHEME
) -> str:
    """The time band of a moment given as local wall-clock time (any tzinfo is ignored: convert
    to the municipality's zone first). `holiday_dates` are the local public holidays; the
    scheme's extra days are added to them."""
    clock = local_dt.time().replace(tzinfo=None)
    if clock < scheme.day_start:
        return BAND_NIGHT
    if clock >= scheme.night_start:
        return BAND_NIGHT
    extra = scheme.extra_band(local_dt.date())
    if extra is not None:
        return extra
    if local_dt.date() in holiday_dates:
        return BAND_HOLIDAY
    if local_dt.weekday() in scheme.weekend_days:
        if scheme.split_weekend and local_dt.weekday() == SATURDAY:
            return BAND_SATURDAY
        if scheme.split_weekend and local_dt.weekday() == SUNDAY:
            return BAND_SUNDAY
        return BAND_WEEKEND
    if clock >= scheme.evening_start:
        return BAND_EVENING
    return BAND_DAY


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class SchemeProblem:
    """What is wrong with the weekday bands: `gap` or `overlap` between `start` and `end` (HH:MM,
    `band` the band that follows), `empty_day` (daytime does not end after it starts),
    `evening_order` (the evening ends before it starts) or `order` (the bands are not in the order
    day, evening, night)."""

    code: str
    start: str = ""
    end: str = ""
    band: str = ""


def scheme_interval_errors(
    day: tuple[time, time], evening: tuple[time, time], night: tuple[time, time]
) -> dict[str, SchemeProblem]:
    """Check that weekday day, evening and night, each [start, end) in local wall-clock time (night
    across midnight), cover the 24 hours exactly once and follow each other in that order. Returns
    {field: problem} on the field that ends too early or too late (day_end, evening_end,
    night_end), or day_start when the bands are out of order."""
    errors: dict[str, SchemeProblem] = {}
    d0, d1 = _minutes(day[0]), _minutes(day[1])
    e0, e1 = _minutes(evening[0]), _minutes(evening[1])
    n0, n1 = _minutes(night[0]), _minutes(night[1])
    if d1 <= d0:
        errors["day_end"] = SchemeProblem("empty_day")
    if e1 < e0:
        errors["evening_end"] = SchemeProblem("evening_order")
    for field_name, end, next_start, next_band in (
        ("day_end", d1, e0, BAND_EVENING),
        ("evening_end", e1, n0, BAND_NIGHT),
        ("night_end", n1, d0, BAND_DAY),
    ):
        if field_name in errors or end == next_start:
            continue
        if end < next_start:
            errors[field_name] = SchemeProblem("gap", _clock(end), _clock(next_start), next_band)
        else:
            errors[field_name] = SchemeProblem("overlap", _clock(next_start), _clock(end), next_band)
    if not errors and not d0 < e0 <= n0:
        errors["day_start"] = SchemeProblem("order")
    return errors


def _next_change(moment: datetime, tz: tzinfo, scheme: TimeBandScheme) -> datetime:
    """The first local band boundary (a band start or midnight) strictly after `moment`, in UTC."""
    local_day = moment.astimezone(tz).date()
    candidates = []
    for day in (local_day, local_day + timedelta(days=1)):
        for clock in (time(0, 0), scheme.day_start, scheme.evening_start, scheme.night_start):
            candidates.append(datetime.combine(day, clock, tzinfo=tz).astimezone(UTC))
    return min(c for c in candidates if c > moment)


def _band_segments(
    start: datetime,
    end: datetime,
    tz: tzinfo,
    holiday_dates: set[date] | frozenset[date],
    scheme: TimeBandScheme,
) -> list[tuple[str, datetime, datetime]]:
    """[start, end) cut at the local band boundaries and midnights, as (band, from, to) in UTC and
    in time order; neighbouring pieces of the same band are joined."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("band_durations needs aware datetimes")
    segments: list[tuple[str, datetime, datetime]] = []
    moment, stop = start.astimezone(UTC), end.astimezone(UTC)
    while moment < stop:
        band = time_band_for(moment.astimezone(tz), holiday_dates, scheme)
        upto = min(_next_change(moment, tz, scheme), stop)
        if segments and segments[-1][0] == band:
            segments[-1] = (band, segments[-1][1], upto)
        else:
            segments.append((band, moment, upto))
        moment = upto
    return segments


def band_durations(
    start: datetime,
    end: datetime,
    tz: tzinfo,
    holiday_dates: set[date] | frozenset[date],
    scheme: TimeBandScheme = DEFAULT_SCHEME,
) -> dict[str, timedelta]:
    """How much of [start, end) (aware datetimes) falls in each band, cut at the local boundaries
    and midnights. Durations are elapsed time, so a night across a DST change counts the hour the
    clocks skip or repeat correctly; they always sum to end − start. The reference for splitting a
    visit that crosses a boundary (allocate_minutes)."""
    result: dict[str, timedelta] = {}
    for band, moment, upto in _band_segments(start, end, tz, holiday_dates, scheme):
        result[band] = result.get(band, timedelta()) + (upto - moment)
    return result


def crossing_band(durations: Mapping[str, timedelta], start_band: str, rule: str) -> str:
    """The one band a crossing visit is priced in under `start` or `majority` (ties go to the
    start band). `split` prices each part in its own band (band_durations) and has no one band."""
    if rule == CROSSING_START or not durations:
        return start_band
    if rule == CROSSING_MAJORITY:
        longest = max(durations.values())
        return start_band if durations.get(start_band) == longest else max(durations, key=lambda b: durations[b])
    raise ValueError(f"no single band under the crossing rule {rule!r}")


def allocate_minutes(
    start: datetime,
    end: datetime,
    tz: tzinfo,
    scheme: TimeBandScheme,
    holiday_dates: set[date] | frozenset[date],
    rule: str,
) -> tuple[tuple[str, int], ...]:
    """The whole minutes of [start, end) (aware) as (band, minutes) parts under a crossing rule.

    The visit has `floor((end − start) / 1 minute)` whole minutes (elapsed time, so DST-correct;
    seconds are dropped as in settlement). `start` gives one part in the band of the start,
    `majority` one part in the band with the most elapsed time (a tie goes to the start band),
    `split` one part per stretch of a band, in time order. Partial minutes in a split: the k-th
    whole minute belongs to the band in force when it is completed (the instant start + k
    minutes, counted in the band that ends there), i.e. each part gets floor(elapsed until its
    end) − floor(elapsed until its start) minutes; a part left with no whole minute is dropped.
    The parts therefore always sum exactly to the visit's whole minutes. A visit shorter than a
    minute is one part of 0 minutes in its start band."""
    if rule not in CROSSING_RULES:
        raise ValueError(f"unknown crossing rule {rule!r}")
    segments = _band_segments(start, end, tz, holiday_dates, scheme)
    start_band = time_band_for(start.astimezone(tz), holiday_dates, scheme)
    origin = start.astimezone(UTC)
    # Subtract in UTC: aware datetimes sharing one tzinfo subtract as wall-clock time.
    total = max(0, int((end.astimezone(UTC) - origin).total_seconds() // 60))
    if rule == CROSSING_SPLIT and total > 0:
        parts: list[tuple[str, int]] = []
        counted = 0
        for band, _moment, upto in segments:
            done = int((upto - origin).total_seconds() // 60)
            minutes, counted = done - counted, done
            if minutes > 0:
                if parts and parts[-1][0] == band:
                    parts[-1] = (band, parts[-1][1] + minutes)
                else:
                    parts.append((band, minutes))
        return tuple(parts)
    durations: dict[str, timedelta] = {}
    for band, moment, upto in segments:
        durations[band] = durations.get(band, timedelta()) + (upto - moment)
    band = crossing_band(durations, start_band, CROSSING_START if rule == CROSSING_SPLIT else rule)
    return ((band, total),)


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

    def overlaps(self, valid_from: date, valid_to: date | None) -> bool:
        starts_before_my_end = self.valid_to is None or valid_from <= self.valid_to
        ends_after_my_start = valid_to is None or valid_to >= self.valid_from
        return starts_before_my_end and ends_after_my_start


def overlap_field(
    entries: Iterable[RateEntry], valid_from: date, valid_to: date | None
) -> tuple[str, RateEntry] | None:
    """The first existing entry (by start) that a new validity [valid_from, valid_to] overlaps, and
    the field to blame: `valid_from` if the new period starts inside it, else `valid_to`."""
    for entry in sorted(entries, key=lambda e: e.valid_from):
        if entry.overlaps(valid_from, valid_to):
            return ("valid_from" if entry.in_force(valid_from) else "valid_to"), entry
    return None


def pick_rate(entries: Sequence[RateEntry], on: date) -> RateEntry | None:
    """The entry in force on `on`; if validities overlap, the one that started last wins."""
    best: RateEntry | None = None
    for entry in entries:
        if entry.in_force(on) and (best is None or entry.valid_from > best.valid_from):
            best = entry
    return best


def band_candidates(band: str, area: str) -> tuple[tuple[str, str], ...]:
    """The (band, area) keys to try in order: the area's own price before the all-areas price,
    and the broader band (BAND_FALLBACK) only when the band itself has no price at all."""
    keys: list[tuple[str, str]] = []
    for candidate in (band, BAND_FALLBACK.get(band)):
        if candidate is None:
            continue
        if area != AREA_ALL:
            keys.append((candidate, area))
        keys.append((candidate, AREA_ALL))
    return tuple(keys)


#: Rate units: per hour, per visit, per meal, per day, per month, per piece.
RATE_UNITS: tuple[str, ...] = ("hour", "visit", "meal", "day", "month", "piece")


def default_rate_unit(service_unit: str) -> str:
    """The unit a rate is priced in when none is given: the service's own unit, with minutes
    priced per hour."""
    return "hour" if service_unit == "minute" else service_unit


#: The columns of a rate table in CSV, in order. `price` is in major units (kroner, kronor) with
#: at most two decimals; dates are ISO (YYYY-MM-DD); an empty valid_to is open-ended.
CSV_COLUMNS: tuple[str, ...] = (
    "service_code",
    "time_band",
    "area",
    "provider_kind",
    "unit",
    "price",
    "valid_from",
    "valid_to",
)


@dataclass(frozen=True)
class RateRow:
    """One rate-table row, read and checked field by field (not yet against the database)."""

    service_code: str
    time_band: str
    area: str
    provider_kind: str
    unit: str
    amount_minor: int
    valid_from: date
    valid_to: date | None


def price_to_minor(text: str) -> int:
    """'432.50' or '432,50' → 43250. Refuses (ValueError with the code `not_a_number`,
    `negative` or `too_many_decimals`) more than two decimals, negatives and non-numbers."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("not_a_number") from None
    if not value.is_finite():
        raise ValueError("not_a_number")
    if value < 0:
        raise ValueError("negative")
    minor = value * 100
    if minor != minor.to_integral_value():
        raise ValueError("too_many_decimals")
    return int(minor)


def minor_to_price(amount_minor: int) -> str:
    """43250 → '432.50' (exact; the inverse of price_to_minor)."""
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("invalid_date") from None


def parse_rate_row(
    data: Mapping[str, str], *, provider_kinds: Iterable[str], default_unit: str | None = None
) -> tuple[RateRow | None, list[tuple[str, str]]]:
    """Read one CSV row. Returns the row, or None and every (field, code) that is wrong; the codes
    are `required`, `unknown_choice`, `not_a_number`, `negative`, `too_many_decimals`,
    `invalid_date` and `end_before_start` (the caller words them). An empty `area` means all areas;
    an empty `unit` means `default_unit` (the service's, decided by the caller) and is left empty
    here when unknown."""
    errors: list[tuple[str, str]] = []

    def text(name: str) -> str:
        return (data.get(name) or "").strip()

    service_code = text("service_code")
    if not service_code:
        errors.append(("service_code", "required"))
    band = text("time_band")
    if band not in BANDS:
        errors.append(("time_band", "unknown_choice"))
    area = text("area") or AREA_ALL
    if area not in AREAS:
        errors.append(("area", "unknown_choice"))
    kind = text("provider_kind")
    if kind not in tuple(provider_kinds):
        errors.append(("provider_kind", "unknown_choice"))
    unit = text("unit") or (default_unit or "")
    if unit and unit not in RATE_UNITS:
        errors.append(("unit", "unknown_choice"))
    amount = 0
    if not text("price"):
        errors.append(("price", "required"))
    else:
        try:
            amount = price_to_minor(text("price"))
        except ValueError as error:
            errors.append(("price", str(error)))
    valid_from: date | None = None
    if not text("valid_from"):
        errors.append(("valid_from", "required"))
    else:
        try:
            valid_from = _iso_day(text("valid_from"))
        except ValueError as error:
            errors.append(("valid_from", str(error)))
    valid_to: date | None = None
    if text("valid_to"):
        try:
            valid_to = _iso_day(text("valid_to"))
        except ValueError as error:
            errors.append(("valid_to", str(error)))
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        errors.append(("valid_to", "end_before_start"))
    if errors or valid_from is None:
        return None, errors
    return RateRow(service_code, band, area, kind, unit, amount, valid_from, valid_to), []


def rate_rows_to_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """A rate table as CSV text with a header of CSV_COLUMNS (comma-separated, UTF-8)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in CSV_COLUMNS})
    return out.getvalue()


class MissingColumns(ValueError):
    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__(", ".join(columns))
        self.columns = tuple(columns)


def csv_to_rate_rows(text: str) -> list[dict[str, str]]:
    """CSV text (comma or semicolon separated, as spreadsheets in DK/SE/NO save it) to rows keyed
    by the header. Raises MissingColumns when a required column is missing."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _check_header([name.strip() for name in reader.fieldnames or ()])
    return [
        {(key or "").strip(): (value or "") if isinstance(value, str) else "" for key, value in row.items()}
        for row in reader
    ]


def _check_header(header: Sequence[str]) -> None:
    missing = [name for name in CSV_COLUMNS if name not in header and name not in ("area", "unit", "valid_to")]
    if missing:
        raise MissingColumns(missing)


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text the CSV path reads, losing nothing: a date (or a datetime at
    midnight) → ISO date, any other datetime → ISO date and time (then refused as not a date, not
    cut), a number → its exact decimal text with two decimals when it has at most two (232.5 →
    '232.50', 400 → '400'), else every digit (0.125 → '0.125', refused as too many decimals).
    A float is read through its shortest repr, so 232.5 never becomes 232.4999…; empty → ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            return str(value)
        if number == number.to_integral_value():
            return f"{number.quantize(Decimal(1)):f}"
        if number == number.quantize(Decimal("0.01")):
            return f"{number.quantize(Decimal('0.01')):f}"
        return f"{number.normalize():f}"
    return str(value)


def sheet_to_rate_rows(cells: Iterable[Sequence[object]]) -> list[dict[str, str]]:
    """The rows of a spreadsheet (first row the header, cells as read: text, numbers, dates) to
    rows keyed by the header, every cell as cell_text, like csv_to_rate_rows: columns without a
    header are ignored and empty rows skipped (as the CSV reader skips blank lines, so rows are
    numbered alike). Raises MissingColumns when a required column is missing."""
    rows = iter(cells)
    header = [cell_text(value).strip() for value in next(rows, ())]
    _check_header(header)
    result: list[dict[str, str]] = []
    for values in rows:
        texts = [cell_text(value) for value in values]
        if not any(text.strip() for text in texts):
            continue
        row = {name: "" for name in header if name}
        row.update({name: text for name, text in zip(header, texts, strict=False) if name})
        result.append(row)
    return result


#: The values of catalogue.models.PaymentBasis (a test keeps them equal).
BASIS_GRANTED_TIME = "granted_time"
BASIS_PERFORMED_TIME = "performed_time"
BASIS_PER_VISIT = "per_visit"
BASIS_CAPITATION = "capitation"
BASIS_PER_UNIT = "per_unit"
PAYMENT_BASES: tuple[str, ...] = (
    BASIS_GRANTED_TIME,
    BASIS_PERFORMED_TIME,
    BASIS_PER_VISIT,
    BASIS_CAPITATION,
    BASIS_PER_UNIT,
)
TIME_UNITS = frozenset({"minute", "hour"})
COUNTED_UNITS = frozenset({"meal", "piece", "visit", "day"})


def default_payment_basis(service_unit: str) -> str:
    """What a service in this unit is paid for unless configured otherwise: time services by
    verified performed time (seed 001), counted deliveries per unit, visits per visit, monthly
    services by capitation."""
    if service_unit in TIME_UNITS:
        return BASIS_PERFORMED_TIME
    if service_unit == "visit":
        return BASIS_PER_VISIT
    if service_unit == "month":
        return BASIS_CAPITATION
    return BASIS_PER_UNIT


def payment_basis_error(service_unit: str, payment_basis: str) -> str | None:
    """Why a payment basis does not fit a service's unit (`unknown`, `time_needs_time_unit`,
    `unit_needs_counted_unit`), or None: time can only be paid for a service measured in time, and
    a per-unit payment needs something counted."""
    if payment_basis not in PAYMENT_BASES:
        return "unknown"
    if payment_basis in (BASIS_GRANTED_TIME, BASIS_PERFORMED_TIME) and service_unit not in TIME_UNITS:
        return "time_needs_time_unit"
    if payment_basis == BASIS_PER_UNIT and service_unit not in COUNTED_UNITS:
        return "unit_needs_counted_unit"
    return None
