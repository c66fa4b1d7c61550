"""The competition indicators on small hand-made snapshots: the HHI's bounds as a property, the
competition exposure indicator (IKU), its task list and the gains map against arithmetic written
out."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.followup import rules
from frivalg.followup.indicators.competition import (
    CompetitionExposure,
    CompetitionTasks,
    Concentration,
    GainsMap,
    TenderParticipation,
)
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1)}
PROVIDERS = [{"provider_id": 1, "name": "Home care unit", "kind": "in_house"},
             {"provider_id": 2, "name": "Care Ltd", "kind": "private"},
             {"provider_id": 3, "name": "Church aid", "kind": "non_profit"}]


def done(provider, minutes):
    return {"municipality_id": 1, "provider_id": provider, "service_id": 5, "district_id": 7, "status": "done",
            "day": date(2026, 3, 2), "month": date(2026, 3, 1), "performed_minutes": minutes}


def cost(month, service, provider, amount, minutes=60, final=True):
    return {"municipality_id": 1, "month": month, "provider_id": provider, "service_id": service, "citizen_id": 9,
            "amount_minor": amount, "performed_minutes": minutes, "final": final}


def task(task_id, code, *, exposable=True, exposed_on=None, won_on=None, municipality=1):
    return {"municipality_id": municipality, "task_id": task_id, "code": code, "name": f"Task {code}",
            "exposable": exposable, "exposed_on": exposed_on, "in_house_won_on": won_on}


# -- HHI ------------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=8))
def test_hhi_lies_between_an_even_market_and_a_monopoly(minutes):
    e = engine(visits=[done(provider, m) for provider, m in enumerate(minutes, start=1)])
    (row,) = Concentration(**MARCH, municipality_id=1).run(e).to_pylist()
    n = len(minutes)
    assert 10_000 / n - 0.01 <= row["hhi"] <= 10_000 + 0.01
    assert row["providers"] == n
    reference = rules.hhi(rules.shares({str(p): m for p, m in enumerate(minutes)}))
    assert Decimal(str(row["hhi"])) == pytest.approx(reference, abs=Decimal("0.011"))
    assert row["level"] == rules.concentration(reference)


def test_hhi_by_month_is_the_trend():
    # February: one provider (10 000); March: 50/50 (2 × 2 500 = 5 000).
    february = {**done(1, 60), "day": date(2026, 2, 3), "month": date(2026, 2, 1)}
    e = engine(visits=[february, done(1, 60), done(2, 60)])
    rows = Concentration(start=date(2026, 2, 1), end=date(2026, 4, 1), municipality_id=1, by=("month",)).run(e)
    assert [(r["month"], r["hhi"]) for r in rows.to_pylist()] == [(date(2026, 2, 1), 10000.0),
                                                                   (date(2026, 3, 1), 5000.0)]


# -- competition exposure ------------------------------------------------------------------------


def exposure_snapshot():
    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    return engine(
        providers=PROVIDERS,
        tasks=[task(1, "T1"), task(2, "T2", exposed_on=date(2025, 1, 1), won_on=date(2026, 2, 15)),
               task(3, "T3", exposable=False), task(4, "T4"), task(5, "X", municipality=2)],
        task_services=[{"task_id": 1, "service_id": 5}, {"task_id": 2, "service_id": 6},
                       {"task_id": 3, "service_id": 7}, {"task_id": 4, "service_id": 8},
                       {"task_id": 5, "service_id": 50}],
        costs=[cost(mar, 5, 2, 400), cost(mar, 5, 1, 600), cost(mar, 6, 1, 1000), cost(mar, 7, 2, 999),
               cost(jan, 6, 1, 500), cost(jan, 5, 3, 100), cost(feb, 6, 1, 200),
               cost(mar, 5, 2, 70_000, final=False), cost(date(2026, 4, 1), 5, 2, 80_000),
               {**cost(mar, 50, 2, 90_000), "municipality_id": 2}],
    )


def test_competition_exposure_by_hand():
    e = exposure_snapshot()
    period = {"start": date(2026, 1, 1), "end": date(2026, 4, 1), "municipality_id": 1}
    (total,) = CompetitionExposure(**period).run(e).to_pylist()
    # Bought outside: 400 (private, Mar) + 100 (non-profit, Jan) = 500. Won in house: task T2 from
    # February (won 15 Feb): 200 + 1 000 = 1 200; January's 500 came before. Exposable: T1 400 + 600
    # + 100 and T2 500 + 200 + 1 000 = 2 800 (T3 is not exposable). (500 + 1 200) / 2 800 = 0.6071.
    assert total == {"exposed_minor": 500, "won_minor": 1200, "exposable_minor": 2800, "iku": 0.6071}
    months = CompetitionExposure(**period, by=("month",)).run(e).to_pylist()
    assert months == [
        {"month": date(2026, 1, 1), "exposed_minor": 100, "won_minor": 0, "exposable_minor": 600, "iku": 0.1667},
        {"month": date(2026, 2, 1), "exposed_minor": 0, "won_minor": 200, "exposable_minor": 200, "iku": 1.0},
        {"month": date(2026, 3, 1), "exposed_minor": 400, "won_minor": 1000, "exposable_minor": 2000, "iku": 0.7},
    ]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(5, 7), st.integers(0, 10**6)), min_size=1, max_size=12))
def test_competition_exposure_is_a_share(lines):
    e = engine(providers=PROVIDERS,
               tasks=[task(1, "A"), task(2, "B", won_on=date(2026, 3, 1)), task(3, "C", exposable=False)],
               task_services=[{"task_id": 1, "service_id": 5}, {"task_id": 2, "service_id": 6},
                              {"task_id": 3, "service_id": 7}],
               costs=[cost(MARCH["start"], s, p, amount) for p, s, amount in lines])
    for row in CompetitionExposure(**MARCH, municipality_id=1).run(e).to_pylist():
        assert row["exposed_minor"] + row["won_minor"] <= row["exposable_minor"]
        assert row["iku"] is None or 0 <= row["iku"] <= 1


def test_the_task_list_with_values_and_private_shares():
    e = exposure_snapshot()
    rows = CompetitionTasks(start=date(2026, 1, 1), end=date(2026, 4, 1), municipality_id=1,
                            by=("municipality",)).run(e).to_pylist()
    assert sorted(rows, key=lambda r: r["task_code"]) == [
        # T1: 400 + 600 + 100 = 1 100, private and non-profit 500: 0.4545.
        {"municipality_id": 1, "task_code": "T1", "task_name": "Task T1", "exposable": True, "exposed_on": None,
         "in_house_won_on": None, "value_minor": 1100, "private_share": 0.4545},
        {"municipality_id": 1, "task_code": "T2", "task_name": "Task T2", "exposable": True,
         "exposed_on": date(2025, 1, 1), "in_house_won_on": date(2026, 2, 15), "value_minor": 1700,
         "private_share": 0.0},
        {"municipality_id": 1, "task_code": "T3", "task_name": "Task T3", "exposable": False, "exposed_on": None,
         "in_house_won_on": None, "value_minor": 999, "private_share": 1.0},
        # No cost in the period: listed, with nothing to share.
        {"municipality_id": 1, "task_code": "T4", "task_name": "Task T4", "exposable": True, "exposed_on": None,
         "in_house_won_on": None, "value_minor": 0, "private_share": None},
    ]


# -- the gains map ---------------------------------------------------------------------------------


def test_gains_map_by_hand():
    e = engine(
        providers=PROVIDERS,
        tasks=[task(1, "G1", exposed_on=date(2025, 7, 10)), task(2, "G2"), task(3, "G3", exposable=False)],
        task_services=[{"task_id": 1, "service_id": 8}, {"task_id": 2, "service_id": 9},
                       {"task_id": 3, "service_id": 10}],
        costs=[cost(date(2025, 1, 1), 8, 1, 6000, minutes=60),
               cost(date(2024, 6, 1), 8, 1, 99_999, minutes=1),  # 13 months before: not "before"
               cost(date(2025, 8, 1), 8, 2, 88_888, minutes=1),  # after, but before the period
               cost(date(2026, 2, 1), 8, 2, 4000, minutes=45), cost(date(2026, 3, 1), 8, 3, 2500, minutes=45),
               cost(date(2026, 2, 1), 9, 1, 3000, minutes=90), cost(date(2025, 2, 1), 9, 1, 777, minutes=10),
               cost(date(2026, 2, 1), 10, 1, 5555)],
    )
    rows = GainsMap(start=date(2026, 1, 1), end=date(2026, 4, 1), municipality_id=1).run(e).to_pylist()
    assert sorted(rows, key=lambda r: r["task_code"]) == [
        # Before (Jul 2024 – Jun 2025): 6 000 for 60 min = 6 000 an hour. After (Jan–Mar 2026):
        # 6 500 for 90 min = 4 333.3 → 4 333 an hour; change 4 333.3 / 6 000 − 1 = −0.2778; the 90 min
        # at 6 000 an hour would have cost 9 000: gain 9 000 − 6 500 = 2 500.
        {"task_code": "G1", "task_name": "Task G1", "exposed_on": date(2025, 7, 10),
         "before_cost_per_hour_minor": 6000, "after_cost_per_hour_minor": 4333, "change_share": -0.2778,
         "gain_minor": 2500, "potential_hours": None, "potential_minor": None},
        # Not exposed yet: the period's 90 min (1.5 h) and 3 000 are the potential.
        {"task_code": "G2", "task_name": "Task G2", "exposed_on": None, "before_cost_per_hour_minor": None,
         "after_cost_per_hour_minor": None, "change_share": None, "gain_minor": None, "potential_hours": 1.5,
         "potential_minor": 3000},
    ]


# -- tender participation --------------------------------------------------------------------------


def lot(lot_id, deadline, bids, *, service=5, control=False, winner=None, status="opened", municipality=1):
    return {"municipality_id": municipality, "tender_id": lot_id // 10, "lot_id": lot_id, "service_id": service,
            "published_day": date(2026, 1, 5), "deadline_day": deadline, "status": status, "bids": bids,
            "control_bid": None if bids is None else control, "private_bids": bids, "awarded": winner is not None,
            "winner_kind": winner}


def test_tender_participation_by_hand():
    e = engine(tender_lots=[
        lot(11, date(2026, 3, 4), 3, control=True, winner="private", status="awarded"),
        lot(12, date(2026, 3, 20), 1, control=True, winner="in_house", status="contracted"),
        lot(21, date(2026, 3, 31), 0, service=6),
        lot(31, date(2026, 3, 10), None, service=6, status="published"),  # sealed: left out
        lot(41, date(2026, 4, 1), 5),  # deadline after the period
        lot(51, date(2026, 3, 12), 7, municipality=2),
        lot(61, date(2026, 2, 27), 2, service=6, winner="non_profit"),
    ])
    rows = TenderParticipation(**MARCH, municipality_id=1).run(e).to_pylist()
    # March: lots 11, 12 and 21 with 3 + 1 + 0 = 4 bids: 4 / 3 = 1.33 a lot; one single-bid lot of
    # three: 0.3333; the control bid on 11 and 12; lot 12 won by the in-house unit.
    assert rows == [{"lots": 3, "bids": 4, "bids_per_lot": 1.33, "single_bid_share": 0.3333, "control_bid_lots": 2,
                     "in_house_won_lots": 1}]
    by_service = TenderParticipation(**MARCH, municipality_id=1, by=("service",)).run(e).to_pylist()
    # Service 5: lots 11 and 12, 4 bids, 2 a lot, one of two single-bid; service 6: lot 21, no bid.
    assert by_service == [
        {"service_id": 5, "lots": 2, "bids": 4, "bids_per_lot": 2.0, "single_bid_share": 0.5, "control_bid_lots": 2,
         "in_house_won_lots": 1},
        {"service_id": 6, "lots": 1, "bids": 0, "bids_per_lot": 0.0, "single_bid_share": 0.0, "control_bid_lots": 0,
         "in_house_won_lots": 0},
    ]
    months = TenderParticipation(start=date(2026, 2, 1), end=date(2026, 5, 1), municipality_id=1,
                                 by=("month",)).run(e).to_pylist()
    # February: lot 61, 2 bids; March as above; April: lot 41, 5 bids.
    assert [(r["month"], r["lots"], r["bids"], r["bids_per_lot"]) for r in months] == [
        (date(2026, 2, 1), 1, 2, 2.0), (date(2026, 3, 1), 3, 4, 1.33), (date(2026, 4, 1), 1, 5, 5.0)]
    # The service filter keeps only its lots.
    (only,) = TenderParticipation(**MARCH, municipality_id=1, service_id=6).run(e).to_pylist()
    assert (only["lots"], only["bids"]) == (1, 0)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.booleans(), st.sampled_from([None, "in_house", "private"]),
                          st.sampled_from([5, 6])), min_size=1, max_size=12))
def test_tender_participation_adds_up(drawn):
    e = engine(tender_lots=[lot(i, date(2026, 3, 1 + i), bids, service=service, control=control, winner=winner)
                            for i, (bids, control, winner, service) in enumerate(drawn, start=1)])
    (total,) = TenderParticipation(**MARCH, municipality_id=1).run(e).to_pylist()
    assert total["lots"] == len(drawn)
    assert total["bids"] == sum(bids for bids, *_ in drawn)
    assert total["bids_per_lot"] == pytest.approx(total["bids"] / total["lots"], abs=0.005)
    assert 0 <= total["single_bid_share"] <= 1
    assert total["control_bid_lots"] == sum(control for _, control, _, _ in drawn) <= total["lots"]
    assert total["in_house_won_lots"] == sum(winner == "in_house" for _, _, winner, _ in drawn)
    by_service = TenderParticipation(**MARCH, municipality_id=1, by=("service",)).run(e).to_pylist()
    assert sum(r["lots"] for r in by_service) == total["lots"]
    assert sum(r["bids"] for r in by_service) == total["bids"]
