"""The economy indicators on small hand-made snapshots, each against arithmetic written out, and the
forecast held to its reference implementation (followup.rules.year_end_forecast)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.followup import rules
from frivalg.followup.indicators.economy import (
    AfterCalculationResults,
    CostAgainstBudget,
    CostPerUnit,
    GrantedDelivered,
    month_starts,
)
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1)}
MUNICIPALITY = {"municipality_id": 1, "code": "101", "name": "Frivalg", "country": "DK", "currency": "DKK"}


def cost(month, amount, *, provider=1, citizen=9, minutes=60, final=True, **extra):
    return {"municipality_id": 1, "month": month, "provider_id": provider, "service_id": 5, "citizen_id": citizen,
            "amount_minor": amount, "performed_minutes": minutes, "final": final, **extra}


def budget(month, amount, municipality=1):
    return {"municipality_id": municipality, "month": month, "amount_minor": amount}


def done(provider, minutes, day=date(2026, 3, 2), **extra):
    return {"municipality_id": 1, "provider_id": provider, "service_id": 5, "district_id": 7, "citizen_id": 9,
            "status": "done", "day": day, "month": day.replace(day=1), "performed_minutes": minutes, **extra}


def by_month(rows):
    return {row["month"]: row for row in rows}


# -- cost against budget --------------------------------------------------------------------------


def budget_snapshot():
    return engine(
        municipalities=[MUNICIPALITY],
        costs=[cost(date(2025, 12, 1), 50), cost(date(2026, 1, 1), 100), cost(date(2026, 3, 1), 150),
               cost(date(2026, 3, 1), 51, citizen=10),
               cost(date(2026, 2, 1), 999, final=False),  # a draft run: not settled yet
               cost(date(2026, 4, 1), 777),  # after the period: the forecast does not see it
               cost(date(2026, 3, 1), 888, municipality_id=2)],
        budgets=[*(budget(date(2026, m, 1), 120) for m in range(1, 13)), budget(date(2025, 12, 1), 40),
                 budget(date(2026, 3, 1), 5000, municipality=2)],
    )


def test_cost_against_budget_by_month_runs_to_december_with_the_forecast():
    # Period Dec 2025 – Mar 2026; the forecast year is 2026. Months of 2026 with settled cost before
    # April: Jan 100, Mar 150 + 51 = 201 (February only has a draft: 0, not counted). Average
    # (100 + 201) / 2 = 150.5 → 151 (halves up), projected for April–December.
    rows = CostAgainstBudget(start=date(2025, 12, 1), end=date(2026, 4, 1), municipality_id=1,
                             by=("month",)).run(budget_snapshot()).to_pylist()
    assert [row["month"] for row in rows] == month_starts(date(2025, 12, 1), date(2026, 12, 1))
    months = by_month(rows)
    assert months[date(2025, 12, 1)] == {
        "month": date(2025, 12, 1), "cost_minor": 50, "budget_minor": 40, "difference_minor": 10,
        "cumulative_cost_minor": 50, "cumulative_budget_minor": 40, "forecast_minor": 50,
        "cumulative_forecast_minor": 50, "projected": False}
    february = months[date(2026, 2, 1)]
    assert (february["cost_minor"], february["forecast_minor"], february["projected"]) == (0, 0, False)
    assert months[date(2026, 3, 1)] == {
        # Cumulative from 1 January 2026: cost 100 + 0 + 201, budget 3 × 120, 201 − 120 = 81.
        "month": date(2026, 3, 1), "cost_minor": 201, "budget_minor": 120, "difference_minor": 81,
        "cumulative_cost_minor": 301, "cumulative_budget_minor": 360, "forecast_minor": 201,
        "cumulative_forecast_minor": 301, "projected": False}
    assert months[date(2026, 4, 1)] == {
        "month": date(2026, 4, 1), "cost_minor": None, "budget_minor": 120, "difference_minor": None,
        "cumulative_cost_minor": None, "cumulative_budget_minor": 480, "forecast_minor": 151,
        "cumulative_forecast_minor": 452, "projected": True}
    december = months[date(2026, 12, 1)]
    # The year-end forecast: 301 + 9 × 151 = 1 660 against the year's budget 12 × 120 = 1 440.
    assert (december["cumulative_forecast_minor"], december["cumulative_budget_minor"]) == (1660, 1440)


def test_cost_against_budget_without_months_sums_the_period_and_the_year():
    rows = CostAgainstBudget(start=date(2025, 12, 1), end=date(2026, 4, 1), municipality_id=1,
                             by=("municipality",)).run(budget_snapshot()).to_pylist()
    # Period cost 50 + 100 + 201 = 351, budget 40 + 3 × 120 = 400; year to date 301 / 360;
    # forecast Dec 2025 – Dec 2026 = 50 + 1 660 = 1 710, for 2026 alone 1 660.
    assert rows == [{"municipality_id": 1, "cost_minor": 351, "budget_minor": 400, "difference_minor": -49,
                     "cumulative_cost_minor": 301, "cumulative_budget_minor": 360, "forecast_minor": 1710,
                     "cumulative_forecast_minor": 1660, "projected": True}]


def test_cost_against_budget_leaves_out_the_budget_when_filtered_and_has_no_forecast_without_cost():
    e = engine(costs=[cost(date(2026, 3, 1), 300, provider=2)], budgets=[budget(date(2026, 3, 1), 120)])
    rows = CostAgainstBudget(**MARCH, municipality_id=1, provider_id=1, by=("month",)).run(e).to_pylist()
    assert rows[0]["budget_minor"] is None and rows[0]["cost_minor"] == 0
    assert all(row["forecast_minor"] is None and row["projected"] for row in rows)
    (total,) = CostAgainstBudget(**MARCH, municipality_id=1).run(e).to_pylist()
    assert (total["cost_minor"], total["budget_minor"], total["forecast_minor"]) == (300, 120, 300 * 10)


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(st.integers(1, 12), st.integers(0, 10**9), max_size=12), st.integers(1, 12))
def test_the_forecast_agrees_with_its_reference(amounts, last_month):
    monthly = {date(2026, m, 1): amount for m, amount in amounts.items()}
    e = engine(costs=[cost(month, amount) for month, amount in monthly.items()])
    end = date(2027, 1, 1) if last_month == 12 else date(2026, last_month + 1, 1)
    rows = CostAgainstBudget(start=date(2026, 1, 1), end=end, municipality_id=1, by=("month",)).run(e).to_pylist()
    expected = rules.year_end_forecast(monthly, 2026, end)
    assert {row["month"]: (row["forecast_minor"], row["projected"]) for row in rows} == expected


def test_the_reference_forecast_and_rounding():
    assert [rules.divide_half_up(n, 2) for n in (5, -5, 4)] == [3, -2, 2]
    assert rules.divide_half_up(1, 0) is None and rules.divide_half_up(7, -2) == -3
    forecast = rules.year_end_forecast({date(2026, 1, 1): 10, date(2026, 3, 1): 21, date(2026, 5, 1): 99},
                                       2026, date(2026, 4, 1))
    # May is after the as-of day: months with cost are Jan and Mar, (10 + 21) / 2 = 15.5 → 16.
    assert forecast[date(2026, 2, 1)] == (0, False) and forecast[date(2026, 3, 1)] == (21, False)
    assert forecast[date(2026, 5, 1)] == (16, True) and len(forecast) == 12
    assert set(rules.year_end_forecast({}, 2026, date(2026, 4, 1)).values()) == {(None, True)}


# -- cost per citizen and per hour ---------------------------------------------------------------


def test_cost_per_citizen_and_per_hour_by_hand():
    e = engine(
        citizens=[{"municipality_id": 1, "citizen_id": 9, "district_id": 7},
                  {"municipality_id": 1, "citizen_id": 10, "district_id": 7},
                  {"municipality_id": 1, "citizen_id": 11, "district_id": 8}],
        costs=[cost(MARCH["start"], 1000, citizen=9), cost(MARCH["start"], 501, citizen=10),
               cost(MARCH["start"], 0, citizen=11),  # a zero line: not a citizen with cost
               cost(MARCH["start"], 5000, citizen=9, final=False),  # draft: left out
               cost(MARCH["start"], 400, provider=2, citizen=11)],
        visits=[done(1, 90), done(1, 45), done(1, 60, status="missed"), done(1, None),
                done(2, 30, district_id=8), done(3, 60)],
    )
    rows = CostPerUnit(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert rows == [
        # 1 501 / 2 citizens = 750.5 → 751; 90 + 45 = 135 min = 2.25 h; 1 501 × 60 / 135 = 667.1 → 667.
        {"provider_id": 1, "cost_minor": 1501, "citizens": 2, "hours": 2.25, "cost_per_citizen_minor": 751,
         "cost_per_hour_minor": 667},
        # 400 / 1; 30 min: 400 × 60 / 30 = 800.
        {"provider_id": 2, "cost_minor": 400, "citizens": 1, "hours": 0.5, "cost_per_citizen_minor": 400,
         "cost_per_hour_minor": 800},
        # Hours without settled cost: nothing per hour, nothing per citizen.
        {"provider_id": 3, "cost_minor": 0, "citizens": 0, "hours": 1.0, "cost_per_citizen_minor": None,
         "cost_per_hour_minor": 0},
    ]
    by_district = CostPerUnit(**MARCH, municipality_id=1, by=("district",)).run(e).to_pylist()
    # District 7: citizens 9 and 10, 1 501; visits 90 + 45 + 60 (provider 3) = 195 min → 1 501 × 60 / 195 = 461.8.
    assert by_district[0] == {"district_id": 7, "cost_minor": 1501, "citizens": 2, "hours": 3.25,
                              "cost_per_citizen_minor": 751, "cost_per_hour_minor": 462}
    assert by_district[1]["cost_minor"] == 400 and by_district[1]["hours"] == 0.5
    (only_8,) = CostPerUnit(**MARCH, municipality_id=1, district_id=8).run(e).to_pylist()
    assert (only_8["cost_minor"], only_8["citizens"], only_8["hours"]) == (400, 1, 0.5)


# -- granted against delivered --------------------------------------------------------------------


def decision(decision_id, minutes, from_day, to_day=None, status="granted", citizen=9):
    return {"municipality_id": 1, "decision_id": decision_id, "citizen_id": citizen, "service_id": 5,
            "status": status, "from_day": from_day, "to_day": to_day, "granted_month_minutes": minutes}


def choice(decision_id, provider, from_day, to_day=None):
    return {"municipality_id": 1, "choice_id": decision_id * 10 + provider, "decision_id": decision_id,
            "citizen_id": 9, "service_id": 5, "provider_id": provider, "from_day": from_day, "to_day": to_day}


def granted_snapshot():
    return engine(
        citizens=[{"municipality_id": 1, "citizen_id": 9, "district_id": 7}],
        decisions=[decision(1, 620, date(2026, 3, 1)),
                   decision(2, 310, date(2026, 2, 1), date(2026, 3, 10), status="ended"),
                   decision(3, 9999, date(2026, 3, 1), status="draft"),
                   decision(4, None, date(2026, 3, 1))],
        choices=[choice(1, 1, date(2026, 3, 1), date(2026, 3, 15)), choice(1, 2, date(2026, 3, 16)),
                 choice(2, 1, date(2026, 1, 20)), choice(3, 1, date(2026, 3, 1)), choice(4, 1, date(2026, 3, 1))],
        visits=[done(1, 120), done(2, 300), done(2, 60, day=date(2026, 2, 27))],
    )


def test_granted_against_delivered_by_hand():
    rows = GrantedDelivered(**MARCH, municipality_id=1, by=("provider",)).run(granted_snapshot()).to_pylist()
    # March has 31 days. Provider 1: decision 1's 620 min for 1–15 March, 620 × 15/31 = 300, and
    # decision 2's 310 min for 1–10 March, 310 × 10/31 = 100: 400 min = 6.67 h; delivered 120 min.
    # Provider 2: 620 × 16/31 = 320 min = 5.33 h; delivered 300 min, 300 / 320 = 0.9375.
    assert rows == [
        {"provider_id": 1, "granted_hours": 6.67, "delivered_hours": 2.0, "delivered_share": 0.3},
        {"provider_id": 2, "granted_hours": 5.33, "delivered_hours": 5.0, "delivered_share": 0.9375},
    ]
    # The citizen lives in district 7: 400 + 320 = 720 min granted, 420 delivered, 420 / 720 = 0.5833.
    (district,) = GrantedDelivered(**MARCH, municipality_id=1, district_id=7, by=("district",)).run(
        granted_snapshot()).to_pylist()
    assert district == {"district_id": 7, "granted_hours": 12.0, "delivered_hours": 7.0, "delivered_share": 0.5833}


def test_granted_hours_by_month_are_prorated_within_the_period():
    e = granted_snapshot()
    rows = GrantedDelivered(start=date(2026, 2, 15), end=date(2026, 4, 1), municipality_id=1,
                            by=("provider", "month")).run(e).to_pylist()
    # February, 15–28 (14 of 28 days) of decision 2 only: 310 × 14/28 = 155 min = 2.58 h;
    # the visit of 27 February delivered 60 min with provider 2, who had no grant then.
    assert rows[0] == {"provider_id": 1, "month": date(2026, 2, 1), "granted_hours": 2.58, "delivered_hours": 0.0,
                       "delivered_share": 0.0}
    assert rows[2] == {"provider_id": 2, "month": date(2026, 2, 1), "granted_hours": 0.0, "delivered_hours": 1.0,
                       "delivered_share": None}
    assert [(r["provider_id"], r["month"]) for r in rows] == [
        (1, date(2026, 2, 1)), (1, date(2026, 3, 1)), (2, date(2026, 2, 1)), (2, date(2026, 3, 1))]


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5000), st.lists(st.integers(1, 88), max_size=4, unique=True))
def test_granted_hours_add_up_whoever_delivers(minutes, switch_offsets):
    # A decision in force all of January–March 2026 (90 days), its choice switching provider on the
    # given days: however it is split, the months' granted time sums to 3 × the monthly time.
    starts = [date(2026, 1, 1), *sorted(date.fromordinal(date(2026, 1, 1).toordinal() + d) for d in switch_offsets)]
    ends = [date.fromordinal(s.toordinal() - 1) for s in starts[1:]] + [None]
    e = engine(decisions=[decision(1, minutes, date(2025, 6, 1))],
               choices=[choice(1, i + 1, s, t) for i, (s, t) in enumerate(zip(starts, ends, strict=True))])
    period = {"start": date(2026, 1, 1), "end": date(2026, 4, 1), "municipality_id": 1}
    (total,) = GrantedDelivered(**period).run(e).to_pylist()
    assert total["granted_hours"] == pytest.approx(3 * minutes / 60, abs=0.005)
    split = GrantedDelivered(**period, by=("provider", "month")).run(e).to_pylist()
    assert sum(row["granted_hours"] for row in split) == pytest.approx(3 * minutes / 60, abs=0.005 * len(split) + 1e-9)


# -- after-calculations ----------------------------------------------------------------------------


def after_line(provider, band, minutes, set_price, actual, day=date(2026, 3, 10)):
    return {"municipality_id": 1, "after_calculation_id": 1, "day": day, "provider_id": provider,
            "service_code": "PP", "time_band": band, "minutes": minutes, "set_price_minor": set_price,
            "actual_price_minor": actual, "difference_minor": round((actual - set_price) * minutes / 60)}


def test_after_calculation_results_by_hand():
    e = engine(after_calculations=[
        after_line(1, "day", 60, 30000, 33000), after_line(1, "day", 120, 30000, 30601),
        after_line(1, "evening", 30, 40000, 38000), after_line(1, "day", 60, 1, 1, day=date(2026, 4, 1)),
    ])
    rows = AfterCalculationResults(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert sorted(rows, key=lambda r: r["time_band"]) == [
        # 180 min = 3 h; actual (33 000 × 60 + 30 601 × 120) / 180 = 31 400.67 → 31 401; set 30 000;
        # result 3 000 + 1 202 (601 × 2 h = 1 202).
        {"provider_id": 1, "service_code": "PP", "time_band": "day", "hours": 3.0, "set_price_minor": 30000,
         "actual_price_minor": 31401, "price_difference_minor": 1401, "result_minor": 4202},
        # 0.5 h at 2 000 below the set price: −1 000.
        {"provider_id": 1, "service_code": "PP", "time_band": "evening", "hours": 0.5, "set_price_minor": 40000,
         "actual_price_minor": 38000, "price_difference_minor": -2000, "result_minor": -1000},
    ]
