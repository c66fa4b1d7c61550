from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from frivalg.followup.indicators.supply import ApprovedProviders, CapacityDemand, ThinMarkets
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1), "municipality_id": 1}

DISTRICTS = [{"municipality_id": 1, "district_id": 7}, {"municipality_id": 1, "district_id": 8},
             {"municipality_id": 2, "district_id": 9}]
PROVIDERS = [{"provider_id": 1, "kind": "in_house"}, {"provider_id": 2, "kind": "private"},
             {"provider_id": 3, "kind": "non_profit"}, {"provider_id": 4, "kind": "private"}]


def approval(approval_id, provider, service, district, status="approved", from_day=date(2025, 1, 1), to_day=None,
             capacity=None, municipality=1):
    return {"municipality_id": municipality, "approval_id": approval_id, "provider_id": provider,
            "service_id": service, "district_id": district, "status": status, "from_day": from_day,
            "to_day": to_day, "capacity": capacity}


APPROVALS = [
    approval(10, 1, 5, None),  # in-house, every district, no capacity limit
    approval(11, 2, 5, 7, capacity=10), approval(11, 2, 5, 8, capacity=10),
    approval(12, 3, 5, 7, to_day=date(2026, 3, 10), capacity=4),  # ends in the period
    approval(13, 4, 5, 8, status="applied"),  # not approved: left out
    approval(15, 3, 6, 8, status="suspended", from_day=date(2026, 3, 15)),
    approval(16, 4, 6, 7, status="terminated", to_day=date(2026, 2, 28)),  # ended before the period
    approval(17, 2, 50, 9, municipality=2),  # another municipality
]


def supply_engine(**more):
    return engine(districts=DISTRICTS, providers=PROVIDERS, approvals=APPROVALS, **more)


def test_approved_providers_by_hand():
    # District 7, service 5: providers 1 (in-house, all districts), 2 and 3 (12 is in force until 10 March).
    # District 8, service 5: providers 1 and 2 (4 only applied). District 8, service 6: provider 3, suspended.
    # Provider 4's approval for service 6 ended in February.
    e = supply_engine()
    rows = ApprovedProviders(**MARCH, by=("district", "service")).run(e).to_pylist()
    assert rows == [
        {"district_id": 7, "service_id": 5, "providers": 3, "private": 2, "in_house": 1},
        {"district_id": 8, "service_id": 5, "providers": 2, "private": 1, "in_house": 1},
        {"district_id": 8, "service_id": 6, "providers": 1, "private": 1, "in_house": 0},
    ]
    # The municipality as a whole: providers 1, 2, 3, each once.
    assert ApprovedProviders(**MARCH).run(e).to_pylist() == [{"providers": 3, "private": 2, "in_house": 1}]


def test_approved_providers_filtered_to_a_district_keep_approvals_serving_every_district():
    rows = ApprovedProviders(**MARCH, district_id=8, by=("service",)).run(supply_engine()).to_pylist()
    assert rows == [{"service_id": 5, "providers": 2, "private": 1, "in_house": 1},
                    {"service_id": 6, "providers": 1, "private": 1, "in_house": 0}]


def test_thin_markets_by_hand():
    # Services approved in March: 5 and 6; districts 7 and 8 → four markets. Private or non-profit providers:
    # (7, 5): 2 and 3 → 2; (7, 6): none (4 ended in February); (8, 5): 2; (8, 6): 3.
    e = supply_engine()
    rows = ThinMarkets(**MARCH, by=("district", "service")).run(e).to_pylist()
    assert rows == [
        {"district_id": 7, "service_id": 5, "private_providers": 2, "markets": 1, "thin_markets": 0,
         "thin_market": False},
        {"district_id": 7, "service_id": 6, "private_providers": 0, "markets": 1, "thin_markets": 1,
         "thin_market": True},
        {"district_id": 8, "service_id": 5, "private_providers": 1, "markets": 1, "thin_markets": 1,
         "thin_market": True},
        {"district_id": 8, "service_id": 6, "private_providers": 1, "markets": 1, "thin_markets": 1,
         "thin_market": True},
    ]
    # Per district: both of district 8's markets are thin, but between them providers 2 and 3 serve it.
    assert ThinMarkets(**MARCH, by=("district",)).run(e).to_pylist() == [
        {"district_id": 7, "private_providers": 2, "markets": 2, "thin_markets": 1, "thin_market": False},
        {"district_id": 8, "private_providers": 2, "markets": 2, "thin_markets": 2, "thin_market": False},
    ]


def test_a_district_without_private_providers_is_one_thin_market():
    e = engine(districts=DISTRICTS, providers=PROVIDERS, approvals=[approval(10, 1, 5, None)])
    assert ThinMarkets(**MARCH).run(e).to_pylist() == [
        {"private_providers": 0, "markets": 2, "thin_markets": 2, "thin_market": True}]


def choice(citizen, provider, from_day=date(2026, 1, 1), to_day=None, municipality=1):
    return {"municipality_id": municipality, "choice_id": citizen, "decision_id": citizen, "citizen_id": citizen,
            "service_id": 5, "provider_id": provider, "from_day": from_day, "to_day": to_day, "how": "active"}


def test_capacity_against_demand_by_hand():
    # On 31 March: approval 10 (in-house, no limit) and 11 (capacity 10) are in force for service 5; 12 ended on
    # 10 March and the suspended 15 offers nothing. Citizens 1–4 live in district 7, 5 in district 8.
    # In force on 31 March: 1 and 2 with provider 2, 3 with the in-house unit, 5 with provider 2 from that day;
    # 4's choice ended on 10 March, 6's starts in April and 9 lives in another municipality.
    citizens = [{"municipality_id": 1, "citizen_id": c, "district_id": 7 if c < 5 else 8} for c in range(1, 7)]
    choices = [choice(1, 2), choice(2, 2), choice(3, 1), choice(4, 3, to_day=date(2026, 3, 10)),
               choice(5, 2, from_day=date(2026, 3, 31)), choice(6, 2, from_day=date(2026, 4, 1)),
               choice(9, 2, municipality=2)]
    e = supply_engine(citizens=citizens, choices=choices)
    # Service 5: capacity 10, one provider without limit, clients {1, 2, 3, 5}; those with a limited provider
    # {1, 2, 5}: 3 / 10 = 0.3.
    assert CapacityDemand(**MARCH, by=("service",)).run(e).to_pylist() == [
        {"service_id": 5, "capacity": 10, "unlimited_providers": 1, "clients": 4, "utilisation": 0.3}]
    # Approval 11 serves both districts and counts its capacity in each: district 7 has clients {1, 2, 3},
    # of them {1, 2} limited → 0.2; district 8 has {5} → 0.1.
    assert CapacityDemand(**MARCH, by=("district", "service")).run(e).to_pylist() == [
        {"district_id": 7, "service_id": 5, "capacity": 10, "unlimited_providers": 1, "clients": 3,
         "utilisation": 0.2},
        {"district_id": 8, "service_id": 5, "capacity": 10, "unlimited_providers": 1, "clients": 1,
         "utilisation": 0.1},
    ]


def test_demand_without_capacity_has_no_utilisation():
    e = engine(districts=DISTRICTS, providers=PROVIDERS, citizens=[{"municipality_id": 1, "citizen_id": 1,
                                                                     "district_id": 7}], choices=[choice(1, 2)])
    assert CapacityDemand(**MARCH).run(e).to_pylist() == [
        {"capacity": 0, "unlimited_providers": 0, "clients": 1, "utilisation": None}]


approvals_strategy = st.lists(
    st.builds(approval, approval_id=st.integers(1, 6), provider=st.integers(1, 4), service=st.sampled_from([5, 6]),
              district=st.sampled_from([None, 7, 8]),
              status=st.sampled_from(["approved", "suspended", "terminated", "applied", "rejected"]),
              from_day=st.dates(date(2025, 1, 1), date(2026, 6, 1)), capacity=st.none() | st.integers(0, 30)),
    max_size=12)


@settings(max_examples=8, deadline=None)
@given(approvals_strategy)
def test_supply_counts_are_consistent(approvals):
    e = engine(districts=DISTRICTS, providers=PROVIDERS, approvals=approvals)
    total = ApprovedProviders(**MARCH).run(e).to_pylist()[0]
    assert total["providers"] == total["private"] + total["in_house"]
    for row in ApprovedProviders(**MARCH, by=("district",)).run(e).to_pylist():
        assert row["providers"] == row["private"] + row["in_house"] <= total["providers"]
    for row in ThinMarkets(**MARCH, by=("district", "service")).run(e).to_pylist():
        assert row["markets"] == 1
        assert row["thin_market"] == (row["private_providers"] <= 1) == (row["thin_markets"] == 1)
    markets = ThinMarkets(**MARCH).run(e).to_pylist()
    assert all(0 <= row["thin_markets"] <= row["markets"] <= 4 for row in markets)
