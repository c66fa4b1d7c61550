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
