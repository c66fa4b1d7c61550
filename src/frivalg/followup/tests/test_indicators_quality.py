from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frivalg.choices import rules as choice_rules
from frivalg.followup.indicators.quality import Complaints, Continuity, Punctuality, Satisfaction
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1)}
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def visit(provider, cid, day=date(2026, 3, 2), **extra):
    return {"municipality_id": 1, "citizen_id": cid, "provider_id": provider, "service_id": 5, "district_id": 7,
            "status": "done", "day": day, "month": day.replace(day=1), "start_minute": 480,
            "performed_minutes": 30, **extra}


def rating(provider, cid, answers, quarter=date(2026, 1, 1), **extra):
    respect, on_time, same_people, overall = answers
    return {"municipality_id": 1, "provider_id": provider, "citizen_id": cid, "quarter_start": quarter,
            "respect": respect, "on_time": on_time, "same_people": same_people, "overall": overall, **extra}


def test_satisfaction_by_hand():
    # Provider 1: clients 1–4 in Q1; answers from 1 (5,4,3,5), 2 (3,4,5,3) and 9, not a client (1,2,3,4).
    #   respect (5+3+1)/3 = 3.0, on time (4+4+2)/3 = 3.33, same people (3+5+3)/3 = 3.67, overall (5+3+4)/3 = 4.0;
    #   3 respondents, 2 of the 4 clients answered: 0.5.
    # Provider 2: one client, no answers. Left out: a Q2 answer and another municipality's.
    e = engine(
        visits=[visit(1, c) for c in (1, 2, 3, 4)] + [visit(2, 5)],
        ratings=[rating(1, 1, (5, 4, 3, 5)), rating(1, 2, (3, 4, 5, 3)), rating(1, 9, (1, 2, 3, 4)),
                 rating(1, 3, (1, 1, 1, 1), quarter=date(2026, 4, 1)),
                 rating(1, 4, (1, 1, 1, 1), municipality_id=2)],
    )
    q1 = {"start": date(2026, 1, 1), "end": date(2026, 4, 1)}
    rows = Satisfaction(**q1, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert rows == [
        {"provider_id": 1, "respondents": 3, "respect": 3.0, "on_time": 3.33, "same_people": 3.67, "overall": 4.0,
         "clients": 4, "response_rate": 0.5},
        {"provider_id": 2, "respondents": 0, "respect": None, "on_time": None, "same_people": None, "overall": None,
         "clients": 1, "response_rate": 0.0},
    ]


def complaint(provider, outcome, day=date(2026, 3, 5), **extra):
    return {"municipality_id": 1, "provider_id": provider, "citizen_id": 1, "received_day": day,
            "outcome": outcome, **extra}


COMPLAINTS = [complaint(1, "upheld"), complaint(1, "partly"), complaint(1, "rejected"), complaint(1, None),
              complaint(1, ""), complaint(3, "rejected"), complaint(1, "upheld", day=date(2026, 4, 2)),
              complaint(1, "upheld", municipality_id=2)]
COMPLAINT_VISITS = [*(visit(1, c) for c in (1, 2, 3, 4)), visit(2, 5), visit(1, 1, day=date(2026, 4, 3))]


def test_complaints_by_hand():
    # Provider 1: 5 complaints in March (1 upheld, 1 partly, 1 rejected, 2 pending) over 4 clients: 125 per 100.
    # Provider 2: no complaint, 1 client: 0. Provider 3: 1 complaint, no clients: no rate.
    e = engine(visits=COMPLAINT_VISITS, complaints=COMPLAINTS)
    rows = Complaints(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert rows == [
        {"provider_id": 1, "complaints": 5, "upheld": 1, "partly": 1, "rejected": 1, "pending": 2, "clients": 4,
         "per_100_clients": 125.0},
        {"provider_id": 2, "complaints": 0, "upheld": 0, "partly": 0, "rejected": 0, "pending": 0, "clients": 1,
         "per_100_clients": 0.0},
        {"provider_id": 3, "complaints": 1, "upheld": 0, "partly": 0, "rejected": 1, "pending": 0, "clients": 0,
         "per_100_clients": None},
    ]


def test_complaints_by_month_count_the_months_clients():
    # March: 6 complaints over clients 1–5 = 120 per 100; April: 1 complaint over client 1 = 100 per 100.
    e = engine(visits=COMPLAINT_VISITS, complaints=COMPLAINTS)
    rows = Complaints(start=date(2026, 3, 1), end=date(2026, 5, 1), municipality_id=1, by=("month",)).run(e)
    assert [(r["month"], r["complaints"], r["clients"], r["per_100_clients"]) for r in rows.to_pylist()] == [
        (date(2026, 3, 1), 6, 5, 120.0), (date(2026, 4, 1), 1, 1, 100.0)]


def at(provider, cid, day, hour, caregiver, minute=0, **extra):
    return visit(provider, cid, day=day, start_minute=hour * 60 + minute, caregiver_id=caregiver, **extra)


def test_continuity_by_hand():
    # Period Mar 2 – Mar 31: windows Mar 2–15 and Mar 16–29; Mar 30–31 make a short window, left out.
    d = lambda n: date(2026, 3, n)  # noqa: E731
    e = engine(visits=[
        # Citizen 1, provider 1, window 1: 4 visits on 2 days (the 23:00 one is outside 07–22) → 3 caregivers.
        at(1, 1, d(2), 8, 11), at(1, 1, d(2), 12, 12), at(1, 1, d(2), 23, 13), at(1, 1, d(3), 8, 11),
        at(1, 1, d(3), 18, 14),
        # Citizen 1, window 2: 2 visits on 1 day → 1 caregiver.
        at(1, 1, d(16), 8, 11), at(1, 1, d(16), 12, 11),
        # Citizen 2: 3 visits on 2 days, fewer than two a day → not counted.
        at(1, 2, d(2), 8, 11), at(1, 2, d(4), 8, 12), at(1, 2, d(4), 9, 13),
        # Citizen 3: only in the short last window; a missed visit does not count.
        at(1, 3, d(30), 8, 11), at(1, 3, d(30), 9, 12), at(1, 3, d(5), 9, 12, status="missed"),
        # Citizen 5, window 2: 3 visits on 1 day → 3 caregivers.
        at(1, 5, d(17), 8, 11), at(1, 5, d(17), 9, 12), at(1, 5, d(17), 10, 13),
        # Citizen 4, provider 2: 07:00 and 21:59 count, 06:59 does not → 2 caregivers.
        at(2, 4, d(5), 7, 21), at(2, 4, d(5), 21, 22, minute=59), at(2, 4, d(5), 6, 23, minute=59),
    ])
    period = {"start": d(2), "end": date(2026, 4, 1)}
    rows = Continuity(**period, municipality_id=1, by=("provider",)).run(e).to_pylist()
    # Provider 1: citizen-windows [3, 1, 3] of citizens 1 and 5 → mean 2.33, median 3.
    assert rows == [{"provider_id": 1, "citizens": 2, "mean_caregivers": 2.33, "median_caregivers": 3.0},
                    {"provider_id": 2, "citizens": 1, "mean_caregivers": 2.0, "median_caregivers": 2.0}]
    # All together: [3, 1, 3, 2] → mean 2.25, median 2.5; both windows start in March.
    assert Continuity(**period, municipality_id=1, by=("month",)).run(e).to_pylist() == [
        {"month": date(2026, 3, 1), "citizens": 3, "mean_caregivers": 2.25, "median_caregivers": 2.5}]


def test_continuity_month_is_the_month_the_window_starts_in():
    # Windows Feb 23 – Mar 8 (February) and Mar 9 – 22 (March).
    e = engine(visits=[at(1, 1, date(2026, 3, 2), 8, 11), at(1, 1, date(2026, 3, 2), 9, 12),
                       at(1, 1, date(2026, 3, 10), 8, 11), at(1, 1, date(2026, 3, 10), 9, 11)])
    rows = Continuity(start=date(2026, 2, 23), end=date(2026, 3, 23), by=("month",)).run(e).to_pylist()
    assert [(r["month"], r["mean_caregivers"]) for r in rows] == [(date(2026, 2, 1), 2.0), (date(2026, 3, 1), 1.0)]


def test_continuity_needs_a_whole_window():
    e = engine(visits=[at(1, 1, date(2026, 3, 2), 8, 11), at(1, 1, date(2026, 3, 2), 9, 12)])
    assert Continuity(start=date(2026, 3, 1), end=date(2026, 3, 14), by=("provider",)).run(e).num_rows == 0


def test_punctuality_by_hand():
    # Delays 0, 15, −15 punctual (3/6 = 0.5); 16, 30 late (0.3333); −16 early (0.1667); mean 30 / 6 = 5.0.
    # Left out: a visit without check-in and a missed visit.
    delays = [0, 15, -15, 16, -16, 30]
    e = engine(visits=[visit(1, 1, delay_minutes=m) for m in delays]
               + [visit(1, 1, delay_minutes=None), visit(1, 1, delay_minutes=0, status="missed")])
    rows = Punctuality(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert rows == [{"provider_id": 1, "visits": 6, "punctual_share": 0.5, "late_share": 0.3333,
                     "early_share": 0.1667, "mean_delay": 5.0}]


def test_public_and_methods():
    assert all(cls.public for cls in (Satisfaction, Complaints, Continuity, Punctuality))
    assert "15 minutes" in str(Punctuality.method)
    assert "14-day windows" in str(Continuity.method) and "shorter than 14" in str(Continuity.method)


@PROPERTY
@given(st.lists(st.integers(min_value=-120, max_value=120), min_size=1, max_size=40))
def test_punctuality_shares_sum_to_one(delays):
    e = engine(visits=[visit(1 + i % 3, 1, delay_minutes=m) for i, m in enumerate(delays)])
    for row in Punctuality(**MARCH, by=("provider",)).run(e).to_pylist():
        assert abs(row["punctual_share"] + row["late_share"] + row["early_share"] - 1) <= 0.00015


@PROPERTY
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=4),
                          st.sampled_from(["upheld", "partly", "rejected", None])), max_size=30))
def test_complaint_outcomes_add_up(complaints):
    e = engine(complaints=[complaint(p, o) for p, o in complaints])
    for row in Complaints(**MARCH, by=("provider",)).run(e).to_pylist():
        assert row["upheld"] + row["partly"] + row["rejected"] + row["pending"] == row["complaints"]


@PROPERTY
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=13),
                          st.integers(min_value=360, max_value=1400), st.integers(min_value=1, max_value=4)),
                min_size=1, max_size=40))
def test_continuity_matches_the_choice_pages_rule(rows):
    # One 14-day window and one provider: the indicator's mean is the choices rule's (one decimal there).
    start = date(2026, 3, 2)
    e = engine(visits=[visit(1, c, day=start + timedelta(days=d), start_minute=m, caregiver_id=g)
                       for c, d, m, g in rows])
    per: dict[int, list[tuple[date, int]]] = defaultdict(list)
    low, high = choice_rules.CONTINUITY_HOURS
    for c, d, m, g in rows:
        if low * 60 <= m < high * 60:
            per[c].append((start + timedelta(days=d), g))
    expected = choice_rules.continuity([
        choice_rules.CitizenVisits(visits=len(v), days_with_visits=len({day for day, _ in v}),
                                   caregivers=len({g for _, g in v})) for v in per.values()])
    table = Continuity(start=start, end=start + timedelta(days=14), by=("provider",)).run(e).to_pylist()
    if expected is None:
        assert table == []
    else:
        [row] = table
        assert abs(row["mean_caregivers"] - float(expected)) <= 0.05 + 1e-9
        assert row["median_caregivers"] >= 1
