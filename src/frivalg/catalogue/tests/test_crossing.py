"""rules.allocate_minutes: a visit's whole minutes per band under the crossing rules, DST-correct;
the crossing rule stored with the time bands; a cash voucher's monthly amount."""

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from frivalg.catalogue import rules
from frivalg.catalogue.models import CrossingRule, Service
from frivalg.catalogue.selectors import time_band_scheme_for
from frivalg.catalogue.services import service_create, service_design_set, time_band_scheme_set

CPH = ZoneInfo("Europe/Copenhagen")
DK_HOLIDAYS = frozenset(rules.public_holidays("DK", range(2025, 2029)))
SCHEMES = (
    rules.DEFAULT_SCHEME,
    rules.TimeBandScheme(
        day_start=time(8), evening_start=time(16, 30), night_start=time(22), split_weekend=True,
        extra_days=(rules.ExtraDay(12, 24), rules.ExtraDay(12, 25, "major")),
    ),
)


def cph(*args):
    return datetime(*args, tzinfo=CPH)


def allocate(start, end, rule, holidays=frozenset(), scheme=rules.DEFAULT_SCHEME):
    return rules.allocate_minutes(start, end, CPH, scheme, holidays, rule)


def test_the_rules_match_the_model_choices():
    assert set(rules.CROSSING_RULES) == set(CrossingRule.values)
    assert rules.DEFAULT_SCHEME.crossing_rule == CrossingRule.START


def test_a_night_across_the_october_dst_change_is_an_hour_longer():
    # Saturday 22:30 CEST to Sunday 07:30 CET: 10 elapsed hours, 9 of them night.
    start, end = cph(2026, 10, 24, 22, 30), cph(2026, 10, 25, 7, 30)
    assert allocate(start, end, "split") == (("weekend", 30), ("night", 540), ("weekend", 30))
    assert allocate(start, end, "start") == (("weekend", 600),)
    assert allocate(start, end, "majority") == (("night", 600),)


def test_across_midnight_into_a_public_holiday():
    # Thursday 24 December 22:00 to Christmas Day 08:00 (a Danish public holiday).
    start, end = cph(2026, 12, 24, 22, 0), cph(2026, 12, 25, 8, 0, 40)
    assert allocate(start, end, "split", DK_HOLIDAYS) == (("evening", 60), ("night", 480), ("holiday", 60))
    assert allocate(start, end, "majority", DK_HOLIDAYS) == (("night", 600),)
    # With Christmas Eve as an extra holiday and Christmas Day as a major holiday, night from 22.
    christmas = SCHEMES[1]
    start, end = cph(2026, 12, 24, 21, 0), cph(2026, 12, 25, 9, 0)
    assert allocate(start, end, "split", DK_HOLIDAYS, christmas) == (("holiday", 60), ("night", 600), ("major", 60))
    assert allocate(start, end, "start", DK_HOLIDAYS, christmas) == (("holiday", 720),)


def test_partial_minutes_are_counted_where_they_are_completed():
    # 14:59:30 → 15:10:00: the half minute of daytime completes no minute; 10 minutes are evening.
    assert allocate(cph(2026, 3, 2, 14, 59, 30), cph(2026, 3, 2, 15, 10), "split") == (("evening", 10),)
    # 14:58:30 → 15:10:45: 12 whole minutes; the second completes at 15:00:30, in the evening.
    assert allocate(cph(2026, 3, 2, 14, 58, 30), cph(2026, 3, 2, 15, 10, 45), "split") == (
        ("day", 1),
        ("evening", 11),
    )
    # a tie goes to the start band; shorter than a minute is one empty part
    assert allocate(cph(2026, 3, 2, 14, 30), cph(2026, 3, 2, 15, 30), "majority") == (("day", 60),)
    assert allocate(cph(2026, 3, 2, 14, 59, 30), cph(2026, 3, 2, 15, 0, 20), "split") == (("day", 0),)
    with pytest.raises(ValueError):
        allocate(cph(2026, 3, 2, 14), cph(2026, 3, 2, 15), "half")


def whole(start, end):
    return max(0, int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() // 60))


visits = st.tuples(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=40 * 3600),
    st.sampled_from(rules.CROSSING_RULES),
    st.sampled_from(SCHEMES),
)


@given(visits)
def test_parts_always_sum_to_the_visit_s_whole_minutes(visit):
    start, seconds, rule, scheme = visit
    end = start + timedelta(seconds=seconds)
    parts = rules.allocate_minutes(start, end, CPH, scheme, DK_HOLIDAYS, rule)
    assert sum(minutes for _band, minutes in parts) == whole(start, end)
    assert all(band in rules.BANDS for band, _minutes in parts)
    if rule != "split":
        assert len(parts) == 1


@given(visits)
def test_split_parts_are_in_time_order(visit):
    start, seconds, _rule, scheme = visit
    end = start + timedelta(seconds=seconds)
    parts = rules.allocate_minutes(start, end, CPH, scheme, DK_HOLIDAYS, "split")
    assert all(a[0] != b[0] for a, b in pairwise(parts))
    counted = 0
    for band, minutes in parts:
        # the k-th whole minute belongs to the band in force just before start + k minutes
        for k in (counted + 1, counted + minutes):
            moment = start + timedelta(minutes=k) - timedelta(microseconds=1)
            if minutes:
                assert rules.time_band_for(moment.astimezone(CPH), DK_HOLIDAYS, scheme) == band
        counted += minutes


@pytest.mark.django_db
def test_the_crossing_rule_is_stored_with_the_time_bands(world, client):
    bands = {
        "day_start": time(7), "day_end": time(15), "evening_start": time(15), "evening_end": time(23),
        "night_start": time(23), "night_end": time(7),
    }
    assert time_band_scheme_for(municipality_id=world.muni.pk).crossing_rule == "start"
    time_band_scheme_set(actor=world.finance, municipality=world.muni, crossing_rule="majority", **bands)
    assert time_band_scheme_for(municipality_id=world.muni.pk).crossing_rule == "majority"
    with pytest.raises(ValidationError) as error:
        time_band_scheme_set(actor=world.finance, municipality=world.muni, crossing_rule="half", **bands)
    assert list(error.value.message_dict) == ["crossing_rule"]
    client.force_login(world.finance)
    url = reverse("catalogue:time_bands")
    data = {name: value.strftime("%H:%M") for name, value in bands.items()} | {"crossing_rule": "split"}
    assert client.post(url, data).status_code == 302
    assert time_band_scheme_for(municipality_id=world.muni.pk).crossing_rule == "split"
    assert 'value="split"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_cash_voucher_needs_its_monthly_amount_and_only_it(world):
    from frivalg.catalogue.services import fsiii_load

    fsiii_load()
    common = {"actor": world.finance, "municipality": world.muni, "care_level": 1, "fsiii_code": "H1.8",
              "legal_basis": "SEL § 83", "unit": "hour", "payment_basis": "granted_time"}
    with pytest.raises(ValidationError) as error:
        service_create(**common, code="KC", name="Kontant", voucher_design="cash")
    assert list(error.value.message_dict) == ["cash_amount_minor"]
    with pytest.raises(ValidationError) as error:
        service_create(**common, code="KC", name="Kontant", voucher_design="time", cash_amount_minor=100)
    assert list(error.value.message_dict) == ["cash_amount_minor"]
    with pytest.raises(ValidationError) as error:
        service_create(**common, code="KC", name="Kontant", voucher_design="cash", cash_amount_minor=0)
    assert list(error.value.message_dict) == ["cash_amount_minor"]
    cash = service_create(**common, code="KC", name="Kontant", voucher_design="cash", cash_amount_minor=250000)
    assert cash.cash_amount_minor == 250000
    service_design_set(actor=world.finance, service=cash, voucher_design="time", payment_basis="granted_time")
    cash.refresh_from_db()
    assert (cash.voucher_design, cash.cash_amount_minor) == ("time", None)


@pytest.mark.django_db
def test_the_database_refuses_a_cash_voucher_without_an_amount(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=world.practical.pk).update(voucher_design="cash")
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=world.practical.pk).update(cash_amount_minor=100)
    assert Service.objects.filter(pk=world.practical.pk).update(voucher_design="cash", cash_amount_minor=100) == 1
