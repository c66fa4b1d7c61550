"""Differential tests: the columnar engine (Ibis on DuckDB) and the plain-Python reference give
identical lines and bills, to the øre, on random snapshots with every rule switched on or off.
They touch no database, so they run in the SQLite pass of CI only."""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from frivalg.settlements import engine, reference
from frivalg.settlements.tests.snapshots import snapshots

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="no database involved: run once, in the SQLite pass")


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(snapshots(max_visits=60))
def test_the_engine_gives_the_reference_s_lines_and_bills(snapshot):
    expected_lines, expected_bills = reference.settle(snapshot)
    lines, bills = engine.run(snapshot)
    assert lines.to_pylist() == expected_lines.to_pylist()
    assert bills.to_pylist() == expected_bills.to_pylist()


def _one_visit(local_start_hour, local_start_minute, minutes, rule):
    """A done weekday visit (Thursday 1 October 2026) in a snapshot whose local time is UTC, day
    rate 400.00/h, evening 500.00/h."""
    import pyarrow as pa

    from frivalg.settlements import snapshot_schema as schema
    from frivalg.settlements.policy import Policy
    from frivalg.settlements.tests.snapshots import MONTH_DAYS, MONTH_FIRST_DAY

    start = MONTH_FIRST_DAY * 86_400 + (local_start_hour * 60 + local_start_minute) * 60
    visit = {
        "visit_id": 1, "provider_id": 1, "provider_kind": "private", "citizen_id": 1, "decision_id": 1,
        "service_id": 1, "service_code": "PH", "basis": "performed_time", "status": "done",
        "planned_start_s": start, "planned_end_s": start + minutes * 60, "local_start_s": start,
        "actual_start_s": start, "actual_end_s": start + minutes * 60, "cancelled_at_s": None, "caregiver_id": 1,
        "area": "town", "decision_granted": True, "decision_from_day": MONTH_FIRST_DAY - 10, "decision_to_day": None,
        "decision_new": False, "granted_month_minutes": 10_000, "approval_from_day": MONTH_FIRST_DAY - 100,
        "approval_to_day": None, "override": None,
    }
    rates = [{"service_id": 1, "time_band": band, "area": "all", "provider_kind": "private", "unit": "hour",
              "valid_from_day": MONTH_FIRST_DAY - 100, "valid_to_day": None, "amount_minor": amount}
             for band, amount in (("day", 40_000), ("evening", 50_000))]
    empty = reference.Snapshot.empty(reference.Params(crossing_rule=rule, month_first_day=MONTH_FIRST_DAY,
                                                      month_days=MONTH_DAYS, policy=Policy()))
    return reference.Snapshot(visits=pa.Table.from_pylist([visit], schema=schema.VISITS),
                              rates=pa.Table.from_pylist(rates, schema=schema.RATES), holidays=empty.holidays,
                              absences=empty.absences, capitation=empty.capitation, incomes=empty.incomes,
                              params=empty.params)


@pytest.mark.parametrize(("hour", "minute", "minutes", "rule", "band", "amount"), [
    (14, 30, 60, "start", "day", 40_000),
    (14, 30, 60, "split", "day", 45_000),  # (400 × 30 + 500 × 30) ÷ 60 × 60 min ÷ 60
    (14, 30, 60, "majority", "day", 40_000),  # 30 and 30 minutes: the earliest band
    (14, 40, 80, "majority", "evening", 66_667),  # 20 day, 60 evening: 500 × 80 ÷ 60 = 666.666… → 666.67
    (14, 40, 80, "split", "day", 63_333),  # (400 × 20 + 500 × 60) ÷ 80 = 475.00/h × 80 min ÷ 60 = 633.33
    (9, 0, 60, "split", "day", 40_000),  # not crossing: one band
])
def test_a_visit_crossing_a_band_boundary_follows_the_municipality_s_rule(hour, minute, minutes, rule, band,
                                                                          amount):
    snapshot = _one_visit(hour, minute, minutes, rule)
    expected, _bills = reference.settle(snapshot)
    lines, _bills = engine.run(snapshot)
    assert lines.to_pylist() == expected.to_pylist()
    [line] = expected.to_pylist()
    assert (line["time_band"], line["amount_minor"]) == (band, amount)
