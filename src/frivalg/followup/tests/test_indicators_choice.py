from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.followup.indicators.choice import ActiveChoice, Switching, TimeToFirstVisit, month_starts
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1), "municipality_id": 1}
CITIZENS = [{"municipality_id": 1, "citizen_id": c, "district_id": 7 if c <= 2 else 8} for c in range(1, 10)]


def choice(choice_id, citizen, provider, from_day, to_day=None, how="active", switch=False, initiated_by="citizen",
           service=5, decision=None, municipality=1):
    return {"municipality_id": municipality, "choice_id": choice_id, "decision_id": decision or 100 + citizen,
            "citizen_id": citizen, "service_id": service, "provider_id": provider, "from_day": from_day,
            "to_day": to_day, "how": how, "initiated_by": initiated_by, "is_switch": switch}


def test_month_starts():
    assert month_starts(date(2025, 11, 15), date(2026, 2, 1)) == [date(2025, 11, 1), date(2025, 12, 1),
                                                                   date(2026, 1, 1)]


def test_active_choice_by_hand():
    # Service 5 in March, first choices: citizen 1 active, 2 default, 3 active → 3 choices, 2 / 3 active.
    # Left out: 4's switch, 5's default choice from February, 6 in another municipality. Service 6: 7 active.
    e = engine(citizens=CITIZENS, choices=[
        choice(1, 1, 2, date(2026, 3, 2)), choice(2, 2, 1, date(2026, 3, 3), how="default", initiated_by="system"),
        choice(3, 3, 2, date(2026, 3, 31)), choice(4, 4, 2, date(2026, 3, 5), switch=True),
        choice(5, 5, 1, date(2026, 2, 28), how="default"), choice(6, 6, 2, date(2026, 3, 2), municipality=2),
        choice(7, 7, 3, date(2026, 3, 9), service=6)])
    assert ActiveChoice(**MARCH, by=("service",)).run(e).to_pylist() == [
        {"service_id": 5, "choices": 3, "active": 2, "default": 1, "active_share": pytest.approx(2 / 3)},
        {"service_id": 6, "choices": 1, "active": 1, "default": 0, "active_share": 1.0},
    ]
    # Citizens 1 and 2 live in district 7 (one active, one default); 3 and 7 in district 8.
    assert ActiveChoice(**MARCH, by=("district",)).run(e).to_pylist() == [
        {"district_id": 7, "choices": 2, "active": 1, "default": 1, "active_share": 0.5},
        {"district_id": 8, "choices": 2, "active": 2, "default": 0, "active_share": 1.0},
    ]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.builds(choice, choice_id=st.integers(1, 10**6), citizen=st.integers(1, 9),
                          provider=st.integers(1, 3), from_day=st.dates(date(2026, 2, 1), date(2026, 4, 30)),
                          how=st.sampled_from(["active", "default"]), switch=st.booleans()), max_size=20))
def test_active_and_default_make_up_the_choices(choices):
    e = engine(citizens=CITIZENS, choices=choices)
    rows = ActiveChoice(**MARCH, by=("provider",)).run(e).to_pylist()
    first = [c for c in choices if not c["is_switch"] and MARCH["start"] <= c["from_day"] < MARCH["end"]]
    assert sum(r["choices"] for r in rows) == len(first)
    for row in rows:
        assert row["active"] + row["default"] == row["choices"] > 0
        assert 0 <= row["active_share"] <= 1


def switching_choices():
    # Decision of citizen 1: provider 2 until 9 March, then 3 (the citizen's switch).
    # Citizen 2: provider 2 until 19 March, then 1 (the provider's initiative).
    # Citizen 3: provider 2 all along. Citizen 4: 3 until 14 February, then 2 (a switch in February).
    # Citizen 5: 3 until 4 March, then 1 (a relative's switch). Citizen 6: another municipality.
    return [
        choice(1, 1, 2, date(2026, 1, 1), date(2026, 3, 9)), choice(2, 1, 3, date(2026, 3, 10), switch=True),
        choice(3, 2, 2, date(2025, 6, 1), date(2026, 3, 19)),
        choice(4, 2, 1, date(2026, 3, 20), switch=True, initiated_by="provider"),
        choice(5, 3, 2, date(2025, 1, 1)),
        choice(6, 4, 3, date(2025, 1, 1), date(2026, 2, 14)), choice(7, 4, 2, date(2026, 2, 15), switch=True),
        choice(8, 5, 3, date(2025, 1, 1), date(2026, 3, 4)),
        choice(9, 5, 1, date(2026, 3, 5), switch=True, initiated_by="relative"),
        choice(10, 6, 1, date(2025, 1, 1), municipality=2), choice(11, 6, 2, date(2026, 3, 2), switch=True,
                                                                    municipality=2),
    ]


def test_switching_by_hand():
    e = engine(citizens=CITIZENS, choices=switching_choices())
    # March: switches by the citizen (1), the provider (2) and a relative (5); clients 1–5 → 1 / 5 each.
    rows = Switching(**MARCH).run(e).to_pylist()
    assert sorted(rows, key=lambda r: r["initiated_by"]) == [
        {"initiated_by": "citizen", "switches": 1, "clients": 5, "switching_rate": 0.2},
        {"initiated_by": "provider", "switches": 1, "clients": 5, "switching_rate": 0.2},
        {"initiated_by": "relative", "switches": 1, "clients": 5, "switching_rate": 0.2},
    ]
    # By the provider switched away from: 2 lost citizens 1 and 2, of its March clients 1, 2, 3, 4 → 1 / 4
    # each; 3 lost citizen 5, of its March clients 1 (from the 10th) and 5 → 1 / 2.
    rows = Switching(**MARCH, by=("provider",)).run(e).to_pylist()
    assert sorted(rows, key=lambda r: (r["provider_id"], r["initiated_by"])) == [
        {"provider_id": 2, "initiated_by": "citizen", "switches": 1, "clients": 4, "switching_rate": 0.25},
        {"provider_id": 2, "initiated_by": "provider", "switches": 1, "clients": 4, "switching_rate": 0.25},
        {"provider_id": 3, "initiated_by": "relative", "switches": 1, "clients": 2, "switching_rate": 0.5},
    ]


def test_switching_by_month_counts_the_clients_of_each_month():
    # February: citizen 4's switch; clients 1–5 (4 held 3, then 2) → 0.2. March as above.
    e = engine(citizens=CITIZENS, choices=switching_choices())
    rows = Switching(start=date(2026, 2, 1), end=date(2026, 4, 1), municipality_id=1, by=("month",)).run(e)
    assert sorted((r["month"], r["initiated_by"], r["switches"], r["clients"], r["switching_rate"])
                  for r in rows.to_pylist()) == [
        (date(2026, 2, 1), "citizen", 1, 5, 0.2),
        (date(2026, 3, 1), "citizen", 1, 5, 0.2),
        (date(2026, 3, 1), "provider", 1, 5, 0.2),
        (date(2026, 3, 1), "relative", 1, 5, 0.2),
    ]


def decision(decision_id, citizen, decided_day, version=1, status="granted", service=5):
    return {"municipality_id": 1, "decision_id": decision_id, "citizen_id": citizen, "service_id": service,
            "status": status, "version": version, "decided_day": decided_day, "from_day": decided_day}


def planned(decision_id, citizen, day, status="planned"):
    return {"municipality_id": 1, "decision_id": decision_id, "citizen_id": citizen, "service_id": 5,
            "provider_id": 2, "status": status, "day": day, "month": day.replace(day=1)}


def waiting_engine():
    return engine(citizens=CITIZENS, decisions=[
        decision(1, 1, date(2026, 3, 2)),  # first visit 5 March: 3 days (the cancelled one on the 4th is not)
        decision(2, 2, date(2026, 3, 10)), decision(22, 2, date(2026, 3, 12), version=2),  # visits on v2: 10 days
        decision(3, 3, date(2026, 3, 15)),  # no visit of its own; the old decision 8's visits do not count
        decision(8, 3, date(2025, 1, 1)),
        decision(4, 4, date(2026, 3, 20)),  # 1 day
        decision(5, 5, date(2026, 3, 3), status="draft"),  # a draft: left out
        decision(6, 6, date(2026, 2, 20)),  # February: 9 days, to 1 March
        decision(7, 7, date(2026, 3, 4), version=2),  # not a new decision
    ], visits=[
        planned(1, 1, date(2026, 3, 4), status="cancelled_citizen"), planned(1, 1, date(2026, 3, 5), "done"),
        planned(22, 2, date(2026, 3, 20)), planned(22, 2, date(2026, 3, 27)),
        planned(8, 3, date(2026, 3, 16), "done"),
        planned(4, 4, date(2026, 3, 21), "missed"),
        planned(6, 6, date(2026, 3, 1), "done"),
        planned(7, 7, date(2026, 3, 5)),
    ])


def test_time_to_first_visit_by_hand():
    e = waiting_engine()
    # March: decisions 1, 2, 3, 4; waits 3, 10 and 1 days. Median 3, mean 14 / 3 = 4.67,
    # 90th percentile at rank 0.9 × 2 = 1.8 of [1, 3, 10]: 3 + 0.8 × (10 − 3) = 8.6.
    assert TimeToFirstVisit(**MARCH).run(e).to_pylist() == [
        {"decisions": 4, "with_visit": 3, "median_days": 3.0, "mean_days": 4.67, "p90_days": 8.6}]
    # District 7 (citizens 1, 2): waits 3 and 10 → median and mean 6.5, p90 3 + 0.9 × 7 = 9.3.
    # District 8 (citizens 3, 4): one decision without a visit, one with 1 day.
    assert TimeToFirstVisit(**MARCH, by=("district",)).run(e).to_pylist() == [
        {"district_id": 7, "decisions": 2, "with_visit": 2, "median_days": 6.5, "mean_days": 6.5, "p90_days": 9.3},
        {"district_id": 8, "decisions": 2, "with_visit": 1, "median_days": 1.0, "mean_days": 1.0, "p90_days": 1.0},
    ]


def test_time_to_first_visit_by_month_of_the_decision():
    e = waiting_engine()
    rows = TimeToFirstVisit(start=date(2026, 2, 1), end=date(2026, 4, 1), municipality_id=1,
                            by=("month",)).run(e).to_pylist()
    assert [(r["month"], r["decisions"], r["with_visit"], r["median_days"]) for r in rows] == [
        (date(2026, 2, 1), 1, 1, 9.0), (date(2026, 3, 1), 4, 3, 3.0)]
