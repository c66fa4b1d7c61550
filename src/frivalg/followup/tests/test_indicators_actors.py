from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.followup.indicators.actors import ProviderEntriesExits, ProviderKindShares
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1), "municipality_id": 1}
PROVIDERS = [{"provider_id": 1, "kind": "in_house"}, {"provider_id": 2, "kind": "private"},
             {"provider_id": 3, "kind": "non_profit"}]


def visit(citizen, provider, minutes, service=5, status="done", day=date(2026, 3, 2), municipality=1):
    return {"municipality_id": municipality, "citizen_id": citizen, "provider_id": provider, "service_id": service,
            "district_id": 7, "status": status, "day": day, "month": day.replace(day=1),
            "performed_minutes": minutes}


def test_kind_shares_by_hand():
    # In-house: citizen 1, 60 + 60 min. Private: citizen 2, 90 min; citizen 3, 30 min. Non-profit: citizen 3,
    # 60 min. Left out: a missed visit, one without performed time, April, another municipality.
    # Citizens per kind 1 + 2 + 1 = 4 → 0.25, 0.5, 0.25; minutes 120 + 120 + 60 = 300 → 0.4, 0.4, 0.2.
    e = engine(providers=PROVIDERS, visits=[
        visit(1, 1, 60), visit(1, 1, 60), visit(2, 2, 90), visit(3, 2, 30), visit(3, 3, 60),
        visit(4, 1, 60, status="missed"), visit(4, 3, None), visit(5, 1, 60, day=date(2026, 4, 1)),
        visit(6, 1, 60, municipality=2)])
    rows = sorted(ProviderKindShares(**MARCH).run(e).to_pylist(), key=lambda r: r["kind"])
    assert rows == [
        {"kind": "in_house", "citizens": 1, "citizen_share": 0.25, "hours": 2.0, "hours_share": 0.4},
        {"kind": "non_profit", "citizens": 1, "citizen_share": 0.25, "hours": 1.0, "hours_share": 0.2},
        {"kind": "private", "citizens": 2, "citizen_share": 0.5, "hours": 2.0, "hours_share": 0.4},
    ]


def test_kind_shares_are_within_each_group():
    # Service 5: in-house 60 min, private 180 min → 0.25 / 0.75; service 6: only non-profit → 1.
    e = engine(providers=PROVIDERS, visits=[visit(1, 1, 60), visit(2, 2, 180), visit(1, 3, 45, service=6)])
    rows = ProviderKindShares(**MARCH, by=("service",)).run(e).to_pylist()
    assert sorted((r["service_id"], r["kind"], r["hours_share"], r["citizen_share"]) for r in rows) == [
        (5, "in_house", 0.25, 0.5), (5, "private", 0.75, 0.5), (6, "non_profit", 1.0, 1.0)]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.builds(visit, citizen=st.integers(1, 6), provider=st.integers(1, 3), minutes=st.integers(1, 240),
                          service=st.sampled_from([5, 6]), day=st.dates(date(2026, 3, 1), date(2026, 3, 31))),
                min_size=1, max_size=25))
def test_kind_shares_sum_to_one_in_every_group(visits):
    e = engine(providers=PROVIDERS, visits=visits)
    rows = ProviderKindShares(**MARCH, by=("service",)).run(e).to_pylist()
    for service in {r["service_id"] for r in rows}:
        group = [r for r in rows if r["service_id"] == service]
        assert sum(r["citizen_share"] for r in group) == pytest.approx(1)
        assert sum(r["hours_share"] for r in group) == pytest.approx(1)
        helped = {v["citizen_id"] for v in visits if v["service_id"] == service}
        assert max(r["citizens"] for r in group) <= len(helped) <= sum(r["citizens"] for r in group)
    total_minutes = sum(v["performed_minutes"] for v in visits)
    assert sum(r["hours"] for r in rows) == pytest.approx(total_minutes / 60, abs=0.01 * len(rows))


def approval(provider, service, from_day, to_day=None, status="approved", district=None):
    return {"municipality_id": 1, "approval_id": provider * 100 + service, "provider_id": provider,
            "service_id": service, "district_id": district, "status": status, "from_day": from_day,
            "to_day": to_day}


SPRING = {"start": date(2026, 3, 1), "end": date(2026, 5, 1), "municipality_id": 1}
APPROVALS = [
    approval(1, 5, date(2025, 1, 1)),  # there all along
    approval(2, 5, date(2026, 3, 10)),  # enters in March
    approval(3, 5, date(2024, 1, 1), date(2026, 3, 20), status="terminated"),  # leaves service 5 in March …
    approval(3, 6, date(2026, 2, 1)),  # … but stays in the municipality with service 6 (entered it in February)
    approval(4, 6, date(2026, 3, 5), date(2026, 3, 25), status="terminated"),  # enters and leaves in March
    approval(5, 5, date(2026, 3, 1), status="applied"),  # never approved
    approval(6, 5, date(2026, 4, 15), district=7), approval(6, 5, date(2026, 4, 15), district=8),  # April
]


def test_entries_and_exits_by_hand():
    e = engine(approvals=APPROVALS)
    # The municipality: March enters 2 and 4, leaves 4 (3 keeps service 6); April enters 6.
    assert ProviderEntriesExits(**SPRING, by=("month",)).run(e).to_pylist() == [
        {"month": date(2026, 3, 1), "entries": 2, "exits": 1, "net": 1},
        {"month": date(2026, 4, 1), "entries": 1, "exits": 0, "net": 1},
    ]
    # Per service: service 5 gains 2 and loses 3 in March, gains 6 in April; service 6 gains and loses 4.
    assert ProviderEntriesExits(**SPRING, by=("service", "month")).run(e).to_pylist() == [
        {"service_id": 5, "month": date(2026, 3, 1), "entries": 1, "exits": 1, "net": 0},
        {"service_id": 5, "month": date(2026, 4, 1), "entries": 1, "exits": 0, "net": 1},
        {"service_id": 6, "month": date(2026, 3, 1), "entries": 1, "exits": 1, "net": 0},
    ]
    assert ProviderEntriesExits(**SPRING).run(e).to_pylist() == [{"entries": 3, "exits": 1, "net": 2}]


def test_entries_filtered_to_a_district_count_approvals_serving_it():
    # District 8: providers 1–4 serve every district; 6 serves 7 and 8. Same as the whole municipality.
    # With provider 6 serving only district 7, district 8 sees no April entry.
    e = engine(districts=[{"municipality_id": 1, "district_id": 7}, {"municipality_id": 1, "district_id": 8}],
               approvals=[*APPROVALS[:-2], approval(6, 5, date(2026, 4, 15), district=7)])
    assert ProviderEntriesExits(**SPRING, district_id=8).run(e).to_pylist() == [{"entries": 2, "exits": 1, "net": 1}]
    assert ProviderEntriesExits(**SPRING, district_id=7).run(e).to_pylist() == [{"entries": 3, "exits": 1, "net": 2}]
