from datetime import date, timedelta
from itertools import pairwise

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frivalg.followup.indicators.fairness import HEAVY_FROM, CaseMix, CreamSkimming, WaitingByNeed
from frivalg.followup.indicators.stats import NEED_BANDS, need_band, windows
from frivalg.followup.tests.tables import engine

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 4, 1)}
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def citizen(cid, need, municipality=1, district=7):
    return {"municipality_id": municipality, "citizen_id": cid, "district_id": district, "need_points": need}


def visit(provider, cid, minutes=60, **extra):
    return {"municipality_id": 1, "citizen_id": cid, "provider_id": provider, "service_id": 5, "district_id": 7,
            "status": "done", "day": date(2026, 3, 2), "month": date(2026, 3, 1), "performed_minutes": minutes,
            **extra}


def ended(provider, need, cid=99, **extra):
    return {"municipality_id": 1, "provider_id": provider, "citizen_id": cid, "service_id": 5,
            "last_day": date(2026, 3, 10), "need_points": need, **extra}


# Citizens 1–4 have 10, 20, 30 and 40 need points; citizen 5 has no completed assessment.
CITIZENS = [citizen(1, 10), citizen(2, 20), citizen(3, 30), citizen(4, 40), citizen(5, None)]
# Provider 1 serves citizens 1, 2 (two visits) and 5; provider 2 serves 3, 4 and 2 (citizen 2 has both).
VISITS = [visit(1, 1), visit(1, 2, 60), visit(1, 2, 60), visit(1, 5, 60), visit(2, 3), visit(2, 4), visit(2, 2),
          visit(1, 4, status="missed"), visit(1, 3, day=date(2026, 4, 1), month=date(2026, 4, 1)),
          visit(1, 4, municipality_id=2)]


def test_case_mix_by_hand():
    # Provider 1: clients 1, 2, 5 (3); needs [10, 20]: mean 15, p25 10 + 0.25·10 = 12.5, median 15, p75 17.5;
    #   240 min = 4 h over 3 clients = 1.33 h; heavy (≥ 20): 1 of the 2 assessed = 0.5.
    # Provider 2: clients 2, 3, 4; needs [20, 30, 40]: mean 30, p25 25, median 30, p75 35; 3 h / 3 = 1.0 h; heavy 3/3.
    # Municipality: clients 1–5 once each; needs [10, 20, 30, 40]: mean 25, heavy 3/4 = 0.75.
    # Need index: 15 / 25 = 0.6 and 30 / 25 = 1.2.
    e = engine(citizens=CITIZENS, visits=VISITS)
    rows = CaseMix(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    common = {"municipality_mean_need": 25.0, "municipality_heavy_share": 0.75}
    assert rows == [
        {"provider_id": 1, "clients": 3, "mean_need": 15.0, "need_p25": 12.5, "need_median": 15.0, "need_p75": 17.5,
         "hours_per_client": 1.33, "heavy_share": 0.5, **common, "need_index": 0.6},
        {"provider_id": 2, "clients": 3, "mean_need": 30.0, "need_p25": 25.0, "need_median": 30.0, "need_p75": 35.0,
         "hours_per_client": 1.0, "heavy_share": 1.0, **common, "need_index": 1.2},
    ]


def test_case_mix_of_the_whole_municipality_counts_each_client_once():
    # Clients 1–5 (citizen 2 once): needs [10, 20, 30, 40]: p25 = 10 + 0.75·10 = 17.5, median 25, p75 32.5;
    # 420 min = 7 h over 5 clients = 1.4 h; the index of the municipality against itself is 1.
    e = engine(citizens=CITIZENS, visits=VISITS)
    [row] = CaseMix(**MARCH, municipality_id=1).run(e).to_pylist()
    assert row == {"clients": 5, "mean_need": 25.0, "need_p25": 17.5, "need_median": 25.0, "need_p75": 32.5,
                   "hours_per_client": 1.4, "heavy_share": 0.75, "municipality_mean_need": 25.0,
                   "municipality_heavy_share": 0.75, "need_index": 1.0}


def test_case_mix_for_one_provider_still_compares_with_every_client_and_takes_the_heavy_line():
    e = engine(citizens=CITIZENS, visits=VISITS)
    [row] = CaseMix(**MARCH, municipality_id=1, provider_id=2, by=("provider",), heavy_from=35).run(e).to_pylist()
    # Heavy from 35: provider 2 has 1 of 3 (citizen 4), the municipality 1 of 4.
    assert (row["provider_id"], row["mean_need"], row["municipality_mean_need"]) == (2, 30.0, 25.0)
    assert (row["heavy_share"], row["municipality_heavy_share"]) == (0.3333, 0.25)
    assert CaseMix(**MARCH).heavy_from == HEAVY_FROM
    assert CaseMix(**MARCH, heavy_from=35).key() != CaseMix(**MARCH).key()


def test_cream_skimming_by_hand():
    # Provider 1 ended 3 relationships with needs 30, 40, 20: mean 30 against its clients' 15 → ratio 2.0, signal.
    #   Heavy: 3/3 of the terminated, 1/2 of the assessed clients.
    # Provider 2 ended 1 (need 30) against 30 → 1.0; provider 3 ended 2 without clients in the period → no ratio.
    # Left out: an April termination, another municipality's.
    e = engine(citizens=CITIZENS, visits=VISITS, terminations=[
        ended(1, 30), ended(1, 40), ended(1, 20), ended(2, 30), ended(3, 40), ended(3, 40),
        ended(2, 40, last_day=date(2026, 4, 1)), ended(2, 40, municipality_id=2)])
    rows = CreamSkimming(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assert rows == [
        {"provider_id": 1, "terminations": 3, "terminated_mean_need": 30.0, "clients": 3, "client_mean_need": 15.0,
         "skimming_ratio": 2.0, "terminated_heavy_share": 1.0, "client_heavy_share": 0.5, "signal": "signal"},
        {"provider_id": 2, "terminations": 1, "terminated_mean_need": 30.0, "clients": 3, "client_mean_need": 30.0,
         "skimming_ratio": 1.0, "terminated_heavy_share": 1.0, "client_heavy_share": 1.0, "signal": "none"},
        {"provider_id": 3, "terminations": 2, "terminated_mean_need": 40.0, "clients": 0, "client_mean_need": None,
         "skimming_ratio": None, "terminated_heavy_share": 1.0, "client_heavy_share": None, "signal": "none"},
    ]


def test_cream_skimming_signal_needs_enough_terminations_and_a_high_enough_ratio():
    assert (CreamSkimming.SIGNAL_RATIO, CreamSkimming.SIGNAL_MIN_TERMINATIONS) == (1.25, 3)
    # Clients' mean 15 (provider 1). Two terminations at 40: ratio 2.67 but too few; three at 18: ratio 1.2, too low;
    # three at 19: 1.27, a signal.
    cases = [([40, 40], "none"), ([18, 18, 18], "none"), ([19, 19, 19], "signal")]
    for needs, expected in cases:
        e = engine(citizens=CITIZENS, visits=VISITS, terminations=[ended(1, n) for n in needs])
        [row] = CreamSkimming(**MARCH, municipality_id=1, provider_id=1, by=("provider",)).run(e).to_pylist()
        assert row["signal"] == expected, needs


def test_cream_skimming_district_filter_reads_the_citizens_district():
    e = engine(citizens=[*CITIZENS, citizen(98, 30, district=8)], visits=VISITS,
               terminations=[ended(1, 30, cid=1), ended(1, 30, cid=98)])
    rows = CreamSkimming(**MARCH, municipality_id=1, district_id=7, by=("provider",)).run(e).to_pylist()
    assert [(r["provider_id"], r["terminations"]) for r in rows] == [(1, 1), (2, 0)]


def entry(need, applied, placed=None, left=None, **extra):
    return {"municipality_id": 1, "service_id": 5, "citizen_id": need, "need_score": need, "urgent": False,
            "applied_day": applied, "placed_day": placed, "left_day": left, "status": "waiting", **extra}


def test_waiting_by_need_by_hand():
    e = engine(waiting=[
        entry(5, date(2026, 2, 1), date(2026, 3, 3)),  # placed after 30 days
        entry(8, date(2026, 3, 1), date(2026, 3, 11)),  # placed after 10 days → 0–9: mean 20, median 20
        entry(25, date(2026, 1, 1)),  # waiting at the end: Jan 1 → Apr 1 = 90 days
        entry(25, date(2026, 2, 20), date(2026, 4, 5)),  # placed after the period: still waiting, 40 days
        entry(12, date(2026, 1, 5), left=date(2026, 3, 15)),  # left the list: neither
        entry(35, date(2026, 4, 2)),  # applied after the period
        entry(31, date(2026, 1, 1), date(2026, 2, 1)),  # placed before the period
        entry(40, date(2026, 3, 20), date(2026, 3, 30)),  # 30+: placed after 10 days
        entry(40, date(2026, 3, 20), date(2026, 3, 30), municipality_id=2),
        entry(None, date(2026, 3, 20), date(2026, 3, 30)),  # no need score
    ])
    rows = WaitingByNeed(**MARCH, municipality_id=1).run(e).to_pylist()
    assert rows == [
        {"need_band": "0-9", "placed": 2, "mean_days_to_place": 20.0, "median_days_to_place": 20.0,
         "still_waiting": 0, "mean_days_waiting": None},
        {"need_band": "20-29", "placed": 0, "mean_days_to_place": None, "median_days_to_place": None,
         "still_waiting": 2, "mean_days_waiting": 65.0},
        {"need_band": "30+", "placed": 1, "mean_days_to_place": 10.0, "median_days_to_place": 10.0,
         "still_waiting": 0, "mean_days_waiting": None},
    ]
    by_service = WaitingByNeed(**MARCH, municipality_id=1, by=("service",)).run(e)
    assert by_service.column("need_band").to_pylist() == ["0-9", "20-29", "30+"]


def test_methods_state_the_thresholds():
    assert "20 need points" in str(CaseMix.method)
    assert "1.25" in str(CreamSkimming.method) and "at least 3" in str(CreamSkimming.method)
    assert "0–9, 10–19, 20–29 and 30" in str(WaitingByNeed.method)


@given(st.integers(min_value=0, max_value=500))
def test_every_need_falls_in_the_band_that_holds_it(points):
    key = need_band(points)
    [(low, high)] = [(lo, hi) for lo, hi, k in NEED_BANDS if k == key]
    assert low <= points and (high is None or points <= high)


def test_negative_need_is_refused():
    with pytest.raises(ValueError):
        need_band(-1)


@PROPERTY
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=30))
def test_the_bands_in_the_engine_match_the_rule(needs):
    e = engine(waiting=[entry(n, date(2026, 3, 1), date(2026, 3, 2)) | {"citizen_id": i}
                        for i, n in enumerate(needs)])
    rows = WaitingByNeed(**MARCH, municipality_id=1).run(e).to_pylist()
    expected: dict[str, int] = {}
    for n in needs:
        expected[need_band(n)] = expected.get(need_band(n), 0) + 1
    assert {r["need_band"]: r["placed"] for r in rows} == expected


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), st.integers(min_value=1, max_value=400))
def test_windows_are_whole_consecutive_and_inside_the_period(start, length):
    end = start + timedelta(days=length)
    starts = windows(start, end, 14)
    assert len(starts) == length // 14
    assert all(b - a == timedelta(days=14) for a, b in pairwise(starts))
    assert not starts or (starts[0] == start and starts[-1] + timedelta(days=14) <= end)


client_mix = st.lists(st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=12),
                                st.one_of(st.none(), st.integers(min_value=0, max_value=50))),
                      min_size=1, max_size=25)


@PROPERTY
@given(client_mix)
def test_case_mix_properties(rows):
    # (provider, citizen, need): a citizen's need is the one of its first row.
    needs = {}
    for _, cid, need in rows:
        needs.setdefault(cid, need)
    e = engine(citizens=[citizen(c, n) for c, n in needs.items()],
               visits=[visit(p, c) for p, c, _ in rows])
    table = CaseMix(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist()
    assessed = [n for n in needs.values() if n is not None]
    for row in table:
        assert row["clients"] >= 1
        if row["mean_need"] is None:
            continue
        assert row["need_p25"] <= row["need_median"] <= row["need_p75"]
        assert 0 <= row["heavy_share"] <= 1
        assert row["municipality_mean_need"] == round(sum(assessed) / len(assessed), 2)
    [whole] = CaseMix(**MARCH, municipality_id=1).run(e).to_pylist()
    assert whole["clients"] == len(needs)
    assert whole["need_index"] in (None, 1.0)


@PROPERTY
@given(client_mix, st.lists(st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=50)),
                            max_size=12))
def test_cream_skimming_signal_follows_its_rule(rows, terminations):
    needs = {}
    for _, cid, need in rows:
        needs.setdefault(cid, need)
    e = engine(citizens=[citizen(c, n) for c, n in needs.items()], visits=[visit(p, c) for p, c, _ in rows],
               terminations=[ended(p, n) for p, n in terminations])
    for row in CreamSkimming(**MARCH, municipality_id=1, by=("provider",)).run(e).to_pylist():
        raised = (row["skimming_ratio"] is not None and row["skimming_ratio"] >= 1.25 and row["terminations"] >= 3)
        assert row["signal"] == ("signal" if raised else "none")
        assert row["terminations"] == sum(1 for p, _ in terminations if p == row["provider_id"])
