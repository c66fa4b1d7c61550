"""The follow-up benchmark on a tiny snapshot: the generator writes exactly the snapshot schema, the
data hangs together, and every registered indicator runs on it with the dashboard's parameters."""

from datetime import date

import duckdb
import pytest

from frivalg.followup import bench
from frivalg.followup import snapshot_schema as schema
from frivalg.followup.indicators import REGISTRY

VISITS = 20_000
CITIZENS = 200


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    path, meta = bench.generate(VISITS, citizens=CITIZENS, root=root)
    return path, meta, root


def query(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_table_has_exactly_the_snapshot_schema(snapshot):
    path, meta, _ = snapshot
    with duckdb.connect(str(path), read_only=True) as con:
        stored = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert stored == {*schema.TABLES, "visit_months"}  # the snapshot's tables and the monthly cube
        # The stored cube is the cube of the stored visits.
        cube = con.execute("SELECT count(*), sum(done_visits), sum(performed_minutes) FROM visit_months").fetchall()
        raw = con.execute("SELECT count(DISTINCT (municipality_id, month, district_id, service_id, provider_id, "
                          "citizen_id)), count(*), sum(performed_minutes) FROM visits WHERE status = 'done'").fetchall()
        assert cube == raw
        for name, target in schema.TABLES.items():
            table = con.table(name).to_arrow_table()
            assert [(f.name, f.type) for f in table.schema] == [(f.name, f.type) for f in target], name
            assert table.num_rows == meta["rows"][name]
            assert table.num_rows > 0, name
    assert meta["rows"]["visits"] == VISITS and meta["rows"]["citizens"] == CITIZENS
    assert meta["warm_seconds"] > 0 and not meta["reused"]


def test_the_snapshot_hangs_together(snapshot):
    path, _, _ = snapshot
    start, end = bench.period(3)
    assert (start, end) == (date(2023, 1, 1), date(2026, 1, 1))
    (first, last, months), = query(path, "SELECT min(day), max(day), count(DISTINCT month) FROM visits")
    assert start <= first and last < end and months == 36
    # Every visit's decision, provider and caregiver exist; its provider is approved for the service.
    orphans = query(path, """
        SELECT count(*) FROM visits v
        LEFT JOIN decisions d ON d.decision_id = v.decision_id AND d.citizen_id = v.citizen_id
                              AND d.service_id = v.service_id AND v.day >= d.from_day
                              AND (d.to_day IS NULL OR v.day <= d.to_day)
        WHERE d.decision_id IS NULL""")
    assert orphans == [(0,)]
    unapproved = query(path, """
        SELECT count(*) FROM visits v WHERE NOT EXISTS (
            SELECT 1 FROM approvals a WHERE a.provider_id = v.provider_id AND a.service_id = v.service_id
              AND (a.district_id IS NULL OR a.district_id = v.district_id) AND a.status IN ('approved', 'terminated')
              AND v.day >= a.from_day AND (a.to_day IS NULL OR v.day <= a.to_day))""")
    assert unapproved == [(0,)]
    # Performed time and delays only where the visit was checked in (and out).
    assert query(path, "SELECT count(*) FROM visits WHERE status <> 'done' AND performed_minutes IS NOT NULL") == [(0,)]
    assert query(path, "SELECT count(*) FROM visits WHERE status NOT IN ('done', 'in_progress') "
                       "AND delay_minutes IS NOT NULL") == [(0,)]
    # Settled cost = the done visits' performed minutes, month by month.
    assert query(path, """
        SELECT count(*) FROM (SELECT month, sum(performed_minutes) m FROM costs GROUP BY 1) c
        FULL JOIN (SELECT month, sum(performed_minutes) m FROM visits WHERE status = 'done' GROUP BY 1) v
          USING (month) WHERE c.m IS DISTINCT FROM v.m""") == [(0,)]
    # A switch is a second choice of the chain; terminations point at the provider left.
    assert query(path, """
        SELECT count(*) FROM terminations t WHERE NOT EXISTS (
            SELECT 1 FROM choices c WHERE c.citizen_id = t.citizen_id AND c.service_id = t.service_id
              AND c.provider_id = t.provider_id AND c.to_day = t.last_day)""") == [(0,)]


def test_a_generated_snapshot_is_reused(snapshot):
    _, _, root = snapshot
    path, meta = bench.generate(VISITS, citizens=CITIZENS, root=root)
    assert meta["reused"] and path.exists()


def test_dashboard_set_breaks_down_by_every_dimension_but_the_municipality():
    start, end = bench.period(3)
    indicators = bench.dashboard_set(start, end, 1)
    assert {i.code for i in indicators} == set(REGISTRY.indicators)
    for indicator in indicators:
        assert indicator.municipality_id == 1 and (indicator.start, indicator.end) == (start, end)
        assert "municipality" not in indicator.by
    for cls in REGISTRY.indicators.values():
        wanted = tuple(d for d in cls.dimensions if d != "municipality")
        runs = [i.by for i in indicators if i.code == cls.code]
        assert runs == ([(), wanted] if wanted else [()])


def test_every_indicator_runs_on_the_snapshot_with_rows_in_total(snapshot):
    path, _, _ = snapshot
    start, end = bench.period(3)
    result = bench.measure(path, start, end, passes=1)
    failures = [(e["code"], e["by"], e["error"]) for e in result["passes"][0] if "error" in e]
    assert failures == []
    empty_totals = [e["code"] for e in result["passes"][0] if not e["by"] and e["rows"] == 0]
    assert empty_totals == []
    assert result["totals"][0] > 0 and result["maxrss_mb"] > 0


def test_markdown_reports_the_figures_the_verdict_and_the_slowest(snapshot):
    _, meta, _ = snapshot
    # Two indicators, timed by hand: 0.5 + 1.5 s and 0.25 + 0.25 s in the first pass (2.5 s in all).
    timings = [{"code": "slow", "by": [], "rows": 1, "seconds": 0.5},
               {"code": "slow", "by": ["district"], "rows": 8, "seconds": 1.5},
               {"code": "quick", "by": [], "rows": 1, "seconds": 0.25},
               {"code": "quick", "by": ["month"], "rows": 36, "seconds": 0.25}]
    measured = {"open_seconds": 0.1, "threads": 2, "passes": [timings, timings], "totals": [2.5, 2.5],
                "baseline_rss_mb": 100.0, "maxrss_mb": 300.0}
    result = {"visits": VISITS, "citizens": CITIZENS, "years": 3, "seed": 1, "target_seconds": 10.0,
              "generated": meta, "measured": measured, "started": "now", "machine": "here"}
    text = "\n".join(bench.markdown(result))
    assert "## Follow-up indicators" in text and f"| visits | {VISITS:,} |" in text
    assert "| **all indicators, first pass** | **2.50 s** |" in text
    assert "| target ≤ 10 s (first pass) | **met** |" in text
    assert text.index("| `slow` | district | 0.50 | 1.50 | 2.00 | 1 / 8 |") < text.index("| `quick` |")
    late = "\n".join(bench.markdown({**result, "target_seconds": 2.0}))
    assert "**not met**" in late and "The slowest: `slow` 2.00 s, `quick` 0.50 s." in late
    failed = {**measured, "passes": [[*timings, {"code": "broken", "by": [], "error": "boom", "seconds": 0.0}]] * 2}
    text = "\n".join(bench.markdown({**result, "measured": failed}))
    assert "**not met**" in text and "- `broken`: boom" in text
