"""A visit crossing a time-band boundary is priced by the municipality's crossing rule: the band
where it starts (the default), the band with most minutes, or split across the bands' rates in
one line (settlements.rules.split_amount)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frivalg.catalogue.models import Rate
from frivalg.catalogue.services import time_band_scheme_set
from frivalg.core.money import per_minute_amount
from frivalg.core.periods import Period
from frivalg.settlements.rules import PricedPart, split_amount
from frivalg.settlements.services import settlement_run_approve, settlement_run_create
from frivalg.visits.tests.factories import VisitFactory

CPH = ZoneInfo("Europe/Copenhagen")
MARCH = Period.month(2026, 3)


def test_split_amount_prices_payable_minutes_across_the_parts():
    # (40000 × 20 + 46000 × 40) / 60 parts, 60 payable minutes: 44000 øre
    assert split_amount([PricedPart(40000, 20), PricedPart(46000, 40)], Decimal(60)) == 44000
    # 40000 × 15 × 1/3 / 60 + 46000 × 15 × 2/3 / 60 = 3333.33… + 7666.66… = 11000
    assert split_amount([PricedPart(40000, 20), PricedPart(46000, 40)], Decimal(15)) == 11000
    # rounded once, half up: 100 × 0.5 min / 60 × (1/2) + 200 × 0.5 / 60 × (1/2) = 1.25 → 1
    assert split_amount([PricedPart(100, 1), PricedPart(200, 1)], Decimal("0.5")) == 1
    assert split_amount([PricedPart(60, 1), PricedPart(60, 1)], Decimal("0.5")) == 1  # 0.5 → 1
    with pytest.raises(ValueError):
        split_amount([PricedPart(100, 0)], Decimal(1))


@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 600)), min_size=1, max_size=5),
    st.decimals(min_value=0, max_value=2000, places=2),
)
def test_split_amount_is_the_single_rate_amount_when_the_rates_agree_and_lies_between_them(parts, payable):
    priced = [PricedPart(rate, minutes) for rate, minutes in parts]
    amount = split_amount(priced, payable)
    low = min(rate for rate, _m in parts)
    high = max(rate for rate, _m in parts)
    assert per_minute_amount(low, payable) <= amount <= per_minute_amount(high, payable)
    same = [PricedPart(low, minutes) for _rate, minutes in parts]
    assert split_amount(same, payable) == per_minute_amount(low, payable)


def use_rule(world, rule):
    time_band_scheme_set(
        actor=world.finance,
        municipality=world.muni,
        day_start=time(7),
        day_end=time(15),
        evening_start=time(15),
        evening_end=time(23),
        night_start=time(23),
        night_end=time(7),
        crossing_rule=rule,
    )


def crossing_visit(world):
    start = datetime(2026, 3, 2, 14, 40, tzinfo=CPH)  # a Monday: 20 min daytime, 40 min evening
    return VisitFactory(
        decision=world.decision,
        provider=world.private,
        planned_start=start,
        planned_end=start + timedelta(minutes=60),
        actual_start=start,
        actual_end=start + timedelta(minutes=60),
        status="done",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "band", "unit_price", "amount"),
    [("start", "day", 40000, 40000), ("majority", "evening", 46000, 46000), ("split", "day", 40000, 44000)],
)
def test_the_run_prices_a_crossing_visit_by_the_municipality_s_rule(world, rule, band, unit_price, amount):
    use_rule(world, rule)
    visit = crossing_visit(world)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    line = run.lines.get(visit=visit)
    assert (line.time_band, line.unit_price_minor, line.amount_minor) == (band, unit_price, amount)
    assert line.payable_minutes == Decimal(60)


@pytest.mark.django_db
def test_approving_a_split_run_marks_every_part_s_rate_settled(world):
    use_rule(world, "split")
    crossing_visit(world)
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    settlement_run_approve(actor=world.finance, run=run)
    rates = Rate.objects.filter(service=world.practical, provider_kind="private", area="all")
    settled = {r.time_band: r.settled_through for r in rates}
    assert settled["day"] == settled["evening"] == date(2026, 3, 31)
    assert settled["night"] is None


@pytest.mark.django_db
def test_a_split_visit_with_a_part_unpriced_pays_nothing(world):
    use_rule(world, "split")
    visit = crossing_visit(world)
    Rate.objects.filter(time_band="evening").delete()
    run = settlement_run_create(actor=world.finance, provider=world.private, period=MARCH)
    line = run.lines.get(visit=visit)
    assert (line.reason_code, line.amount_minor) == ("no_rate", 0)
