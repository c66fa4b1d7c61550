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
