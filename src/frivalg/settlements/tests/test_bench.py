"""The settlement benchmark's generator at a tiny size: its snapshot exercises the rules, and the
engine's totals per provider (and its lines and bills) equal the reference's."""

import os
from collections import Counter

import pytest

from frivalg.settlements import bench, engine, reference

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="no database involved: run once, in the SQLite pass")


def test_the_generated_snapshot_settles_the_same_in_the_engine_and_the_reference(tmp_path):
    directory, meta = bench.generate(3_000, seed=7, root=tmp_path)
    assert meta["rows"]["visits"] == 3_000 and not meta["reused"]
    assert bench.generate(3_000, seed=7, root=tmp_path)[1]["reused"]

    snapshot = bench.read_snapshot(directory)
    expected_lines, expected_bills = reference.settle(snapshot)
    reasons = Counter(" ".join(expected_lines["reasons"].to_pylist()).split())
    for reason in ("performed", "rounded", "capped", "capped_month", "overlap", "late_cancel", "cancel",
                   "missed", "travel", "startup", "per_unit", "standard_time", "granted"):
        assert reasons[reason] > 0, reason

    con, tables = bench._engine_tables(directory)
    totals = bench._totals_rows(engine.totals(tables, snapshot.params, con))
    assert totals == bench._totals_rows(bench._arrow_totals(expected_lines))
    lines, bills = engine.run_tables(tables, snapshot.params, con)
    assert lines.to_pylist() == expected_lines.to_pylist()
    assert bills.to_pylist() == expected_bills.to_pylist()
