from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.catalogue import rules
from frivalg.catalogue.models import TimeBand
from frivalg.catalogue.rules import (
    BAND_DAY,
    BAND_EVENING,
    BAND_HOLIDAY,
    BAND_NIGHT,
    BAND_WEEKEND,
    RateEntry,
    TimeBandScheme,
    pick_rate,
    public_holidays,
    time_band_for,
)

NO_HOLIDAYS: set[date] = set()
MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def test_band_names_are_the_model_choices():
    assert set(rules.BANDS) == set(TimeBand.values)


@pytest.mark.parametrize(
    ("moment", "band"),
    [
        (at(MONDAY, 6, 59), BAND_NIGHT),
        (at(MONDAY, 7), BAND_DAY),
        (at(MONDAY, 14, 59), BAND_DAY),
        (at(MONDAY, 15), BAND_EVENING),
        (at(MONDAY, 22, 59), BAND_EVENING),
        (at(MONDAY, 23), BAND_NIGHT),
        (at(MONDAY, 0), BAND_NIGHT),
        (at(SATURDAY, 7), BAND_WEEKEND),
        (at(SATURDAY, 18), BAND_WEEKEND),
        (at(SATURDAY + timedelta(days=1), 22, 59), BAND_WEEKEND),
        (at(SATURDAY, 23, 30), BAND_NIGHT),
        (at(SATURDAY, 3), BAND_NIGHT),
    ],
)
def test_bands_at_their_boundaries(moment, band):
    assert time_band_for(moment, NO_HOLIDAYS) == band


def test_public_holiday_daytime_and_evening_is_holiday_but_its_night_is_night():
    christmas = date(2026, 12, 25)
    holidays = {christmas}
    assert time_band_for(at(christmas, 10), holidays) == BAND_HOLIDAY
    assert time_band_for(at(christmas, 20), holidays) == BAND_HOLIDAY
    assert time_band_for(at(christmas, 23, 15), holidays) == BAND_NIGHT
    assert time_band_for(at(christmas, 2), holidays) == BAND_NIGHT


def test_a_holiday_on_a_sunday_is_a_holiday():
    easter_sunday = date(2026, 4, 5)
    assert time_band_for(at(easter_sunday, 9), {easter_sunday}) == BAND_HOLIDAY


def test_the_time_zone_of_the_moment_is_ignored_local_wall_clock_counts():
    local = datetime(2026, 3, 2, 15, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert time_band_for(local, NO_HOLIDAYS) == BAND_EVENING
    assert time_band_for(local.replace(tzinfo=None), NO_HOLIDAYS) == BAND_EVENING


def test_a_scheme_moves_the_boundaries():
    scheme = TimeBandScheme(day_start=time(8), evening_start=time(16), night_start=time(22))
    assert time_band_for(at(MONDAY, 7, 30), NO_HOLIDAYS, scheme) == BAND_NIGHT
    assert time_band_for(at(MONDAY, 15, 30), NO_HOLIDAYS, scheme) == BAND_DAY
    assert time_band_for(at(MONDAY, 22, 0), NO_HOLIDAYS, scheme) == BAND_NIGHT
    friday_weekend = TimeBandScheme(weekend_days=frozenset({4, 5, 6}))
    assert time_band_for(at(date(2026, 3, 6), 10), NO_HOLIDAYS, friday_weekend) == BAND_WEEKEND


@pytest.mark.parametrize(
    "kwargs",
    [
        {"day_start": time(15), "evening_start": time(7)},
        {"evening_start": time(23, 30)},
        {"weekend_days": frozenset({7})},
    ],
)
def test_an_impossible_scheme_is_refused(kwargs):
    with pytest.raises(ValueError):
        TimeBandScheme(**kwargs)


@given(moments)
def test_every_moment_has_exactly_one_known_band(moment):
    assert time_band_for(moment, NO_HOLIDAYS) in rules.BANDS


@given(moments)
def test_night_is_decided_by_the_clock_alone(moment):
    is_night = moment.hour < 7 or moment.hour >= 23
    assert (time_band_for(moment, {moment.date()}) == BAND_NIGHT) is is_night
    assert (time_band_for(moment, NO_HOLIDAYS) == BAND_NIGHT) is is_night


@given(moments)
def test_holiday_daytime_is_always_holiday(moment):
    band = time_band_for(moment, {moment.date()})
    assert band in {BAND_NIGHT, BAND_HOLIDAY}


@given(moments)
def test_weekdays_have_no_weekend_band_and_weekends_no_weekday_band(moment):
    band = time_band_for(moment, NO_HOLIDAYS)
    if moment.weekday() >= 5:
        assert band in {BAND_WEEKEND, BAND_NIGHT}
    else:
        assert band in {BAND_DAY, BAND_EVENING, BAND_NIGHT}


@given(moments)
def test_other_days_holidays_do_not_matter(moment):
    others = {moment.date() - timedelta(days=1), moment.date() + timedelta(days=1)}
    assert time_band_for(moment, others) == time_band_for(moment, NO_HOLIDAYS)


def test_danish_holidays():
    days = public_holidays("DK", [2026])
    assert {
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 14),
        date(2026, 12, 25),
        date(2026, 12, 26),
    } <= days
    assert date(2026, 3, 2) not in days


def test_swedish_holidays_do_not_count_every_sunday():
    days = public_holidays("SE", [2026])
    assert {date(2026, 6, 6), date(2026, 6, 20), date(2026, 1, 6)} <= days
    assert date(2026, 3, 8) not in days  # an ordinary Sunday


def test_norwegian_holidays_over_several_years():
    days = public_holidays("NO", range(2025, 2027))
    assert {date(2025, 5, 17), date(2026, 5, 17)} <= days


def test_unknown_country_is_refused():
    with pytest.raises(ValueError):
        public_holidays("XX", [2026])


def test_pick_rate_takes_valid_to_as_inclusive_and_the_latest_start():
    old = RateEntry(date(2025, 1, 1), date(2025, 12, 31), 40000)
    new = RateEntry(date(2026, 1, 1), None, 42000)
    assert pick_rate([old, new], date(2025, 12, 31)) == old
    assert pick_rate([old, new], date(2026, 1, 1)) == new
    assert pick_rate([old, new], date(2024, 12, 31)) is None
    overlapping = RateEntry(date(2026, 6, 1), date(2026, 6, 30), 50000)
    assert pick_rate([new, overlapping], date(2026, 6, 15)) == overlapping


@given(
    st.lists(
        st.tuples(
            st.dates(date(2020, 1, 1), date(2030, 1, 1)),
            st.one_of(st.none(), st.integers(0, 800)),
            st.integers(0, 10**6),
        ),
        max_size=6,
    ),
    st.dates(date(2019, 1, 1), date(2032, 1, 1)),
)
def test_pick_rate_returns_an_entry_in_force_or_none(raw, on):
    entries = [
        RateEntry(start, None if length is None else start + timedelta(days=length), amount)
        for start, length, amount in raw
    ]
    picked = pick_rate(entries, on)
    in_force = [e for e in entries if e.valid_from <= on and (e.valid_to is None or on <= e.valid_to)]
    if not in_force:
        assert picked is None
    else:
        assert picked in in_force
        assert picked.valid_from == max(e.valid_from for e in in_force)


# --- configurable time bands ---------------------------------------------------------------

CHRISTMAS_EVE = rules.ExtraDay(12, 24)
CHRISTMAS_DAY_MAJOR = rules.ExtraDay(12, 25, rules.BAND_MAJOR_HOLIDAY)


def test_the_default_scheme_keeps_one_weekend_band():
    assert time_band_for(at(SATURDAY, 10), NO_HOLIDAYS) == BAND_WEEKEND
    assert time_band_for(at(SATURDAY + timedelta(days=1), 10), NO_HOLIDAYS) == BAND_WEEKEND


def test_a_split_weekend_prices_saturday_and_sunday_apart_but_not_their_nights():
    scheme = TimeBandScheme(split_weekend=True)
    assert time_band_for(at(SATURDAY, 10), NO_HOLIDAYS, scheme) == rules.BAND_SATURDAY
    assert time_band_for(at(SATURDAY + timedelta(days=1), 18), NO_HOLIDAYS, scheme) == rules.BAND_SUNDAY
    assert time_band_for(at(SATURDAY, 23, 30), NO_HOLIDAYS, scheme) == BAND_NIGHT
    assert time_band_for(at(MONDAY, 10), NO_HOLIDAYS, scheme) == BAND_DAY


def test_extra_days_add_holidays_and_major_holidays_every_year():
    scheme = TimeBandScheme(extra_days=(CHRISTMAS_EVE, CHRISTMAS_DAY_MAJOR))
    holidays = public_holidays("DK", [2026])
    assert date(2026, 12, 24) not in holidays  # Christmas Eve is no statutory holiday in Denmark
    assert time_band_for(at(date(2026, 12, 24), 10), holidays) == BAND_DAY
    assert time_band_for(at(date(2026, 12, 24), 10), holidays, scheme) == BAND_HOLIDAY
    assert time_band_for(at(date(2031, 12, 24), 16), set(), scheme) == BAND_HOLIDAY
    assert time_band_for(at(date(2026, 12, 25), 10), holidays, scheme) == rules.BAND_MAJOR_HOLIDAY
    assert time_band_for(at(date(2026, 12, 25), 2), holidays, scheme) == BAND_NIGHT


def test_a_day_listed_twice_is_major_when_either_says_so():
    scheme = TimeBandScheme(extra_days=(rules.ExtraDay(12, 25), CHRISTMAS_DAY_MAJOR))
    assert scheme.extra_band(date(2026, 12, 25)) == rules.BAND_MAJOR_HOLIDAY


@pytest.mark.parametrize(("month", "day", "band"), [(2, 30, "holiday"), (13, 1, "holiday"), (12, 24, "night")])
def test_an_extra_day_must_exist_and_be_a_holiday(month, day, band):
    with pytest.raises(ValueError):
        rules.ExtraDay(month, day, band)


def test_leap_day_can_be_an_extra_day():
    assert rules.ExtraDay(2, 29).day == 29


def test_bands_are_decided_on_local_time_across_the_dst_change():
    """22:30 UTC is 23:30 in Copenhagen in winter (night) but 00:30 in summer (night too); 13:30
    UTC is 14:30 in winter (day) and 15:30 in summer (evening)."""
    cph = ZoneInfo("Europe/Copenhagen")
    winter = datetime(2026, 3, 27, 13, 30, tzinfo=ZoneInfo("UTC")).astimezone(cph)
    summer = datetime(2026, 3, 30, 13, 30, tzinfo=ZoneInfo("UTC")).astimezone(cph)
    assert time_band_for(winter, NO_HOLIDAYS) == BAND_DAY
    assert time_band_for(summer, NO_HOLIDAYS) == BAND_EVENING


def interval_errors(day, evening, night):
    return rules.scheme_interval_errors(
        *((time.fromisoformat(a), time.fromisoformat(b)) for a, b in (day, evening, night))
    )


def test_the_default_intervals_cover_the_day():
    assert interval_errors(("07:00", "15:00"), ("15:00", "23:00"), ("23:00", "07:00")) == {}
    assert interval_errors(("06:00", "17:00"), ("17:00", "22:00"), ("22:00", "06:00")) == {}


def test_a_gap_between_bands_is_refused_with_its_hours():
    errors = interval_errors(("07:00", "15:00"), ("15:30", "23:00"), ("23:00", "07:00"))
    assert errors == {"day_end": rules.SchemeProblem("gap", "15:00", "15:30", BAND_EVENING)}
    errors = interval_errors(("07:00", "15:00"), ("15:00", "23:00"), ("23:00", "06:00"))
    assert errors == {"night_end": rules.SchemeProblem("gap", "06:00", "07:00", BAND_DAY)}


def test_an_overlap_between_bands_is_refused():
    errors = interval_errors(("07:00", "16:00"), ("15:00", "23:00"), ("23:00", "07:00"))
    assert errors == {"day_end": rules.SchemeProblem("overlap", "15:00", "16:00", BAND_EVENING)}


def test_bands_out_of_order_are_refused():
    assert "day_end" in interval_errors(("15:00", "07:00"), ("07:00", "23:00"), ("23:00", "15:00"))
    assert "evening_end" in interval_errors(("07:00", "15:00"), ("15:00", "01:00"), ("01:00", "07:00"))


@given(
    st.integers(1, 22 * 60 - 2),
    st.integers(2, 60),
    st.integers(1, 60),
)
def test_contiguous_intervals_are_accepted_and_a_shifted_boundary_is_not(day_start, day_length, evening_length):
    def clock(minutes):
        return time(minutes // 60, minutes % 60)

    d0 = day_start
    e0 = d0 + day_length
    n0 = min(e0 + evening_length, 24 * 60 - 1)
    assert rules.scheme_interval_errors((clock(d0), clock(e0)), (clock(e0), clock(n0)), (clock(n0), clock(d0))) == {}
    errors = rules.scheme_interval_errors((clock(d0), clock(e0 - 1)), (clock(e0), clock(n0)), (clock(n0), clock(d0)))
    assert errors == {"day_end": rules.SchemeProblem("gap", rules._clock(e0 - 1), rules._clock(e0), BAND_EVENING)}


# --- rate tables ------------------------------------------------------------------------------

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
maybe_days = st.none() | days


@given(days, maybe_days, days, maybe_days)
def test_overlap_is_a_shared_day(a_from, a_to, b_from, b_to):
    if a_to is not None and a_to < a_from:
        a_from, a_to = a_to, a_from
    if b_to is not None and b_to < b_from:
        b_from, b_to = b_to, b_from
    entry = RateEntry(a_from, a_to, 1)
    horizon = date(2031, 1, 1)
    shared = max(a_from, b_from) <= min(a_to or horizon, b_to or horizon)
    assert entry.overlaps(b_from, b_to) == shared
    assert RateEntry(b_from, b_to, 1).overlaps(a_from, a_to) == shared


def test_overlap_field_blames_the_start_or_the_end():
    existing = [RateEntry(date(2026, 1, 1), date(2026, 12, 31), 1), RateEntry(date(2027, 1, 1), None, 2)]
    assert rules.overlap_field(existing, date(2026, 6, 1), None) == ("valid_from", existing[0])
    assert rules.overlap_field(existing, date(2025, 1, 1), date(2026, 1, 1)) == ("valid_to", existing[0])
    assert rules.overlap_field(existing, date(2025, 1, 1), date(2025, 12, 31)) is None


def test_band_candidates_prefer_the_area_then_all_then_the_broader_band():
    assert rules.band_candidates("day", "rural") == (("day", "rural"), ("day", "all"))
    assert rules.band_candidates("day", "all") == (("day", "all"),)
    assert rules.band_candidates("saturday", "town") == (
        ("saturday", "town"),
        ("saturday", "all"),
        ("weekend", "town"),
        ("weekend", "all"),
    )


def test_area_values_are_the_model_choices():
    from frivalg.catalogue.models import Area, PaymentBasis, RateUnit
    from frivalg.core.models import DistrictKind

    assert set(rules.AREAS) == set(Area.values) == {"all", *DistrictKind.values}
    assert set(rules.RATE_UNITS) == set(RateUnit.values)
    assert set(rules.PAYMENT_BASES) == set(PaymentBasis.values)


@given(st.integers(min_value=0, max_value=10**12))
def test_prices_round_trip_through_text(amount_minor):
    assert rules.price_to_minor(rules.minor_to_price(amount_minor)) == amount_minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [("4,321", "too_many_decimals"), ("-1", "negative"), ("abc", "not_a_number"), ("NaN", "not_a_number")],
)
def test_bad_prices_are_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        rules.price_to_minor(text)


def test_a_comma_decimal_price_is_read():
    assert rules.price_to_minor("432,5") == 43250


GOOD_ROW = {
    "service_code": "PH",
    "time_band": "day",
    "area": "rural",
    "provider_kind": "private",
    "unit": "hour",
    "price": "432.50",
    "valid_from": "2027-01-01",
    "valid_to": "",
}
KINDS = ("in_house", "private", "non_profit")


def test_a_good_row_is_read():
    row, errors = rules.parse_rate_row(GOOD_ROW, provider_kinds=KINDS)
    assert errors == []
    assert row == rules.RateRow("PH", "day", "rural", "private", "hour", 43250, date(2027, 1, 1), None)


def test_empty_area_and_unit_mean_all_areas_and_the_default_unit():
    row, _ = rules.parse_rate_row({**GOOD_ROW, "area": "", "unit": ""}, provider_kinds=KINDS, default_unit="meal")
    assert (row.area, row.unit) == ("all", "meal")


def test_every_bad_field_of_a_row_is_named():
    row, errors = rules.parse_rate_row(
        {**GOOD_ROW, "time_band": "lunch", "area": "city", "provider_kind": "x", "unit": "week", "price": "",
         "valid_from": "01-01-2027", "valid_to": "2026-01-01"},
        provider_kinds=KINDS,
    )
    assert row is None
    assert [name for name, _ in errors] == ["time_band", "area", "provider_kind", "unit", "price", "valid_from"]


def test_an_end_before_the_start_is_refused():
    _, errors = rules.parse_rate_row({**GOOD_ROW, "valid_to": "2026-12-31"}, provider_kinds=KINDS)
    assert errors == [("valid_to", "end_before_start")]


def test_csv_round_trips_and_reads_semicolons():
    text = rules.rate_rows_to_csv([GOOD_ROW])
    assert text.splitlines()[0] == ",".join(rules.CSV_COLUMNS)
    assert rules.csv_to_rate_rows(text) == [GOOD_ROW]
    semicolons = "\ufeff" + text.replace(",", ";").replace("432.50", "432,50")
    assert rules.csv_to_rate_rows(semicolons)[0]["price"] == "432,50"


def test_csv_without_a_required_column_is_refused():
    with pytest.raises(rules.MissingColumns, match="price"):
        rules.csv_to_rate_rows("service_code,time_band,provider_kind,valid_from\nPH,day,private,2027-01-01\n")


# --- payment bases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "basis"),
    [("hour", "performed_time"), ("minute", "performed_time"), ("meal", "per_unit"), ("visit", "per_visit"),
     ("month", "capitation"), ("piece", "per_unit"), ("day", "per_unit")],
)
def test_default_payment_basis_fits_the_unit(unit, basis):
    assert rules.default_payment_basis(unit) == basis
    assert rules.payment_basis_error(unit, basis) is None


def test_time_is_paid_only_for_timed_services_and_units_only_when_counted():
    assert rules.payment_basis_error("meal", "granted_time") is not None
    assert rules.payment_basis_error("hour", "per_unit") is not None
    assert rules.payment_basis_error("hour", "capitation") is None
    assert rules.payment_basis_error("hour", "bogus") == "unknown"


# --- visits crossing a boundary -------------------------------------------------------------------

CPH = ZoneInfo("Europe/Copenhagen")


def cph(*args):
    return datetime(*args, tzinfo=CPH)


def test_a_visit_across_the_evening_boundary_is_cut_there():
    parts = rules.band_durations(cph(2026, 3, 2, 14, 30), cph(2026, 3, 2, 15, 45), CPH, NO_HOLIDAYS)
    assert parts == {BAND_DAY: timedelta(minutes=30), BAND_EVENING: timedelta(minutes=45)}
    assert rules.crossing_band(parts, BAND_DAY, rules.CROSSING_START) == BAND_DAY
    assert rules.crossing_band(parts, BAND_DAY, rules.CROSSING_MAJORITY) == BAND_EVENING


def test_a_night_across_the_spring_dst_change_lasts_an_hour_less():
    """Saturday 28 March 2026 22:00 to Sunday 07:00 in Copenhagen is 8 hours, not 9."""
    parts = rules.band_durations(cph(2026, 3, 28, 22, 0), cph(2026, 3, 29, 7, 0), CPH, NO_HOLIDAYS)
    assert parts == {BAND_WEEKEND: timedelta(hours=1), BAND_NIGHT: timedelta(hours=7)}


def test_a_night_across_the_autumn_dst_change_lasts_an_hour_more():
    parts = rules.band_durations(cph(2026, 10, 24, 23, 0), cph(2026, 10, 25, 7, 0), CPH, NO_HOLIDAYS)
    assert parts == {BAND_NIGHT: timedelta(hours=9)}


def test_midnight_into_a_holiday_changes_the_band():
    christmas = TimeBandScheme(extra_days=(CHRISTMAS_EVE,))
    parts = rules.band_durations(cph(2026, 12, 23, 22, 0), cph(2026, 12, 24, 8, 0), CPH, NO_HOLIDAYS, christmas)
    assert parts == {BAND_EVENING: timedelta(hours=1), BAND_NIGHT: timedelta(hours=8), BAND_HOLIDAY: timedelta(hours=1)}


def test_majority_ties_go_to_the_start_band_and_split_has_no_single_band():
    parts = {BAND_DAY: timedelta(minutes=30), BAND_EVENING: timedelta(minutes=30)}
    assert rules.crossing_band(parts, BAND_DAY, rules.CROSSING_MAJORITY) == BAND_DAY
    with pytest.raises(ValueError):
        rules.crossing_band(parts, BAND_DAY, rules.CROSSING_SPLIT)
    with pytest.raises(ValueError):
        rules.band_durations(datetime(2026, 1, 1), datetime(2026, 1, 2), CPH, NO_HOLIDAYS)


@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 1, 1)),
    st.integers(min_value=0, max_value=36 * 60),
    st.booleans(),
)
def test_the_parts_always_sum_to_the_elapsed_time(start, minutes, split_weekend):
    begin = start.replace(tzinfo=ZoneInfo("UTC"))
    finish = begin + timedelta(minutes=minutes)
    parts = rules.band_durations(begin, finish, CPH, NO_HOLIDAYS, TimeBandScheme(split_weekend=split_weekend))
    assert sum(parts.values(), timedelta()) == finish - begin
    assert all(part > timedelta() for part in parts.values())
    if minutes:
        assert time_band_for(begin.astimezone(CPH), NO_HOLIDAYS, TimeBandScheme(split_weekend=split_weekend)) in parts
