"""Benchmark of the demo generator: `python -m frivalg.demo.bench` (what `make bench` runs).

Each run is a child process with its own throw-away SQLite database under var/bench/, so its
peak memory (maxrss) and timings are its own:

1. the default demo (2,000 citizens, 12 months) — what `make demo` generates;
2. 100,000 citizens, 12 months — the size the foundation issue asks to generate in about a minute;
3. the reference: 1,000 citizens, 1 month, written once by the bulk path and once row by row
   through the ORM (`Model.save()`), the same rows both times, to report the ratio;
4. the settlement engine (frivalg.settlements.bench): a month's snapshot at 1M, 10M and 30M
   visits from Parquet, and the plain-Python reference at 1M (`--settlement-sizes`, `--no-settlement`);
5. the follow-up indicators (frivalg.followup.bench): every registered indicator with a dashboard's
   parameters on a warm snapshot of 20,000 citizens and 30M visits over three years
   (`--followup-visits`, `--no-followup`).

Writes docs/benchmarks.md (the machine, the date, the load, every stage)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[3]


def _var_dir() -> Path:
    return Path(os.environ.get("FRIVALG_VAR_DIR", PROJECT_DIR / "var"))


#: The PostgreSQL database the `large-pg` run creates afresh (and drops after it).
POSTGRES_BENCH_DATABASE = "frivalg_bench"


def _postgres_admin_url() -> str:
    return os.environ.get("FRIVALG_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def _postgres_recreate(drop_only: bool = False) -> str:
    """Drop (and create) the benchmark's PostgreSQL database; its URL."""
    import psycopg

    admin = _postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DATABASE} WITH (FORCE)")
        if not drop_only:
            server.execute(f"CREATE DATABASE {POSTGRES_BENCH_DATABASE}")
    return admin.rsplit("/", 1)[0] + f"/{POSTGRES_BENCH_DATABASE}"


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(_postgres_admin_url(), connect_timeout=3):
            return True
    except Exception:  # any failure means: no PostgreSQL to measure on
        return False


def _settle_from_database(municipality_id: int, visit_start: str) -> dict[str, Any]:
    """The month of the generated visits settled from the operational database: the snapshot
    (extraction as Arrow: ADBC from SQLite, connectorx from PostgreSQL) and the engine (lines
    and bills as Arrow), timed apart."""
    from datetime import date

    from frivalg.core.models import Municipality
    from frivalg.core.periods import Period
    from frivalg.settlements import engine
    from frivalg.settlements.snapshot import take_snapshot

    municipality = Municipality.objects.get(pk=municipality_id)
    period = Period.month_of(date.fromisoformat(visit_start))
    started = time.perf_counter()
    snapshot, _policy = take_snapshot(municipality, period)
    extracted = time.perf_counter()
    lines, bills = engine.run(snapshot)
    done = time.perf_counter()
    return {"period": str(period), "visits": snapshot.visits.num_rows, "lines": lines.num_rows,
            "bills": bills.num_rows, "snapshot_seconds": extracted - started, "engine_seconds": done - extracted}


def _child(name: str, citizens: int, months: int, reference: bool, visit_budget: int | None,
           settle: bool = False) -> dict[str, Any]:
    """One run, in this (child) process: migrate a fresh database, generate, report as JSON;
    with `settle`, then settle the generated month from the database. A name ending in `-pg`
    runs on PostgreSQL (a fresh database), the others on a fresh SQLite file."""
    database = _var_dir() / "bench" / f"{name}.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    postgres = name.endswith("-pg")
    os.environ["DATABASE_URL"] = _postgres_recreate() if postgres else f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frivalg.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from frivalg.demo.municipality import DemoSpec
    from frivalg.demo.services import demo_generate

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started
    spec = DemoSpec(seed=1, citizens=citizens, months=months, visit_budget=visit_budget)
    started = time.perf_counter()
    report = demo_generate(spec=spec, progress=sys.stderr.isatty(), reference=reference)
    wall = time.perf_counter() - started
    result = {
        "name": name,
        "citizens": citizens,
        "months": months,
        "path": "orm" if reference else "bulk",
        "visit_budget": visit_budget,
        "migrate_seconds": migrate_seconds,
        "wall_seconds": wall,
        "cpu_seconds": sum(stage.cpu_seconds for stage in report.stages),
        "stages": [vars(stage) for stage in report.stages],
        "rows": report.rows,
        "counts": report.counts,
        "history_start": report.history_start.isoformat(),
        "visit_start": report.visit_start.isoformat(),
        "visit_end": report.visit_end.isoformat(),
        "full_visit_history": report.full_visit_history,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "database_mb": _database_mb(database, postgres),
        "database": "PostgreSQL" if postgres else "SQLite",
    }
    if settle:
        result["settlement"] = _settle_from_database(report.municipality_id, report.visit_start.isoformat())
    if postgres:
        from django.db import connections

        connections.close_all()
        _postgres_recreate(drop_only=True)
    database.unlink(missing_ok=True)
    return result


def _database_mb(database: Path, postgres: bool) -> float:
    if not postgres:
        return database.stat().st_size / 1024 / 1024
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return float(cursor.fetchone()[0]) / 1024 / 1024


def _run(name: str, citizens: int, months: int, *, reference: bool = False,
         visit_budget: int | None = None, settle: bool = False) -> dict[str, Any]:
    command = [sys.executable, "-m", "frivalg.demo.bench", "--child", name, "--citizens", str(citizens),
               "--months", str(months), "--visit-budget", str(visit_budget or 0)]
    if reference:
        command.append("--reference")
    if settle:
        command.append("--settle")
    print(f"· {name}: {citizens:,} citizens, {months} months, {'ORM row by row' if reference else 'bulk'} …",
          file=sys.stderr, flush=True)
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _machine() -> dict[str, str]:
    memory = "?"
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import django

    return {
        "CPU": f"{os.cpu_count()} × {cpu}",
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Django": django.get_version(),
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _row_rate(run: dict[str, Any]) -> float:
    """Rows a second over the stages that write rows (not the reference data)."""
    stages = [stage for stage in run["stages"] if stage["name"] != "reference"]
    return float(sum(stage["rows"] for stage in stages)) / max(1e-9, sum(float(s["seconds"]) for s in stages))


def _stage_table(run: dict[str, Any]) -> list[str]:
    lines = ["| stage | wall s | CPU s | rows |", "|---|---:|---:|---:|"]
    for stage in run["stages"]:
        lines.append(f"| {stage['name']} | {stage['seconds']:.1f} | {stage['cpu_seconds']:.1f} | {stage['rows']:,} |")
    lines.append(f"| **total** | **{run['wall_seconds']:.1f}** | **{run['cpu_seconds']:.1f}** | **{run['rows']:,}** |")
    return lines


def _markdown(runs: dict[str, dict[str, Any]], machine: dict[str, str], loads: tuple[str, str], started: str,
              settlement: dict[str, Any] | None = None, followup: dict[str, Any] | None = None) -> str:
    big, small = runs["large"], runs["default"]
    bulk, orm = runs["reference-bulk"], runs["reference-orm"]
    bulk_rate, orm_rate = _row_rate(bulk), _row_rate(orm)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m frivalg.demo.bench`); do not edit by hand. Every run is a",
        "separate process generating the demo municipality (seed 1) into a fresh SQLite database under",
        "`var/bench/`; wall and CPU time per stage come from the generator, peak memory is the process's",
        "maximum resident set size (`getrusage`). Migrating the empty database is not counted.",
        "",
        f"Run on {started}.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        f"| load average (1/5/15 min) before | {loads[0]} |",
        f"| load average after | {loads[1]} |",
        "",
        "A load average above the number of cores means other work shared the machine: wall time is",
        "then longer than on an idle machine, CPU time much less so.",
        "",
        "## What is generated",
        "",
        "Fjordby Kommune (DK, DKK, Europe/Copenhagen): 8 districts (town, suburb, rural); a catalogue coded",
        "with FSIII (H1.1–H1.9, H1.11, G1.21); rates for last year and this year per service × time band ×",
        "provider kind (hourly 365–560 DKK); one in-house, five private (one practical help only, one new,",
        "one whose approval ended, one meals only, one applicant) and one non-profit provider; citizens with",
        "FSIII assessments, decisions calibrated to Danmarks Statistik's 2022 figures for home help (3.2",
        "granted hours a week on average; 67 % under 2 h, 22 % 2–8 h, 9 % 8–20 h, 2 % 20 h or more) and",
        "about 40 % choosing a private provider; switches, default assignments, hospital stays and",
        "holidays; visits planned and performed with late check-ins, over- and under-runs, missed visits,",
        "cancellations by citizens (short and long notice) and providers. See `src/frivalg/demo/rules.py`.",
        "",
        "How it is fast: rows are tuples written with `executemany` (SQLite) or `COPY` (PostgreSQL) under",
        "explicit ids; the secondary indexes are dropped for the load and built once at the end (inside",
        "the same transaction); public ids are time-ordered UUIDs, so the unique index is appended to;",
        "SQLite runs with `synchronous=OFF` and a large cache during the generation only, and checks the",
        "foreign keys once before the commit; a second thread produces rows while the first writes.",
        "",
        "## Summary",
        "",
        "| run | citizens | months | wall s | CPU s | rows | rows/s | peak memory | visits generated |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key in ("default", "large", "reference-bulk", "reference-orm"):
        run = runs[key]
        window = ("whole history" if run["full_visit_history"]
                  else f"{run['visit_start']} – {run['visit_end']} (budget)")
        lines.append(
            f"| {key} ({run['path']}) | {run['citizens']:,} | {run['months']} | {run['wall_seconds']:.1f} | "
            f"{run['cpu_seconds']:.1f} | {run['rows']:,} | {run['rows'] / run['wall_seconds']:,.0f} | "
            f"{run['maxrss_mb']:.0f} MB | {run['counts'].get('visits.Visit', 0):,}, {window} |"
        )
    lines += [
        "",
        f"The bulk path writes **{bulk_rate / orm_rate:.0f}×** as many rows a second as the row-by-row ORM",
        f"path on the same {bulk['citizens']:,}-citizen municipality ({bulk_rate:,.0f} against {orm_rate:,.0f}",
        "rows/s, counting the stages that write rows: not the reference data, not migrating).",
        "",
        f"## {big['citizens']:,} citizens, {big['months']} months",
        "",
        f"Generated in **{big['wall_seconds']:.0f} s** wall ({big['cpu_seconds']:.0f} s CPU), peak memory "
        f"**{big['maxrss_mb']:.0f} MB**, database {big['database_mb']:.0f} MB.",
        "",
        *_stage_table(big),
        "",
        "What it holds: every citizen's assessments, decisions, choices and absences for the whole",
        f"history ({big['history_start']} on), and the visits of "
        + ("the whole history." if big["full_visit_history"] else
           f"{big['visit_start']} to {big['visit_end']} (exclusive): the visit budget of "
           f"{big['visit_budget']:,} visits, centred on today — a year of visits at this size would be "
           "about 30 million rows."),
        "",
        "| table | rows |",
        "|---|---:|",
        *[f"| {label} | {count:,} |" for label, count in sorted(big["counts"].items())],
        "",
        f"## {small['citizens']:,} citizens, {small['months']} months (the default of `make demo`)",
        "",
        f"Generated in **{small['wall_seconds']:.0f} s** wall ({small['cpu_seconds']:.0f} s CPU), peak memory "
        f"**{small['maxrss_mb']:.0f} MB**, with the visits of the whole history.",
        "",
        *_stage_table(small),
        "",
        "## Reference: the ORM row by row",
        "",
        f"The same {bulk['citizens']:,}-citizen municipality (1 month) written by the bulk path and by one "
        "`save()` per row.",
        "",
        "### bulk",
        "",
        *_stage_table(bulk),
        "",
        "### ORM",
        "",
        *_stage_table(orm),
        "",
    ]
    lines += _database_settlement(runs)
    if settlement is not None:
        from frivalg.settlements import bench as settlement_bench

        lines += settlement_bench.markdown(settlement)
    if followup is not None:
        from frivalg.followup import bench as followup_bench

        lines += followup_bench.markdown(followup)
    return "\n".join(lines)


def _database_settlement(runs: dict[str, dict[str, Any]]) -> list[str]:
    """The month settled from the generated operational database, on SQLite and PostgreSQL."""
    measured = [run for run in runs.values() if "settlement" in run]
    if not measured:
        return []
    lines = [
        "## Settling a month from the operational database",
        "",
        "Right after generating the large municipality, the month of its visits is settled from the",
        "database in the same process, as `settlement_month_compute` reads it: the snapshot (the month's",
        "visits with their decisions, approvals and overrides, rates, holidays, absences, capitation and",
        "incomes, extracted as Arrow: ADBC from the SQLite file, connectorx from PostgreSQL) and the",
        "engine on it (every line and bill as Arrow, in DuckDB). Storing the lines is not counted.",
        "",
        "| database | month | visits | lines | bills | extraction s | engine s | total s | visits/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in measured:
        m = run["settlement"]
        total = m["snapshot_seconds"] + m["engine_seconds"]
        lines.append(f"| {run.get('database', 'SQLite')} | {m['period']} | {m['visits']:,} | {m['lines']:,} | "
                     f"{m['bills']:,} | {m['snapshot_seconds']:.2f} | {m['engine_seconds']:.2f} | {total:.2f} | "
                     f"{m['visits'] / max(total, 1e-9):,.0f} |")
    pg = runs.get("large-pg")
    if pg is not None:
        lines += ["", f"Generating the same municipality on PostgreSQL (`COPY`) took {pg['wall_seconds']:.0f} s "
                      f"wall; the database is {pg['database_mb']:.0f} MB."]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--reference-citizens", type=int, default=1000)
    parser.add_argument("--visit-budget", type=int, default=-1, help="0: no limit; default: the generator's")
    parser.add_argument("--output", default=str(PROJECT_DIR / "docs" / "benchmarks.md"))
    parser.add_argument("--settlement-sizes", default="1000000,10000000,30000000",
                        help="visits per settlement-engine run, comma-separated")
    parser.add_argument("--settlement-reference-size", type=int, default=1_000_000)
    parser.add_argument("--no-settlement", action="store_true", help="skip the settlement-engine benchmark")
    parser.add_argument("--followup-visits", type=int, default=30_000_000,
                        help="visits in the follow-up indicators' snapshot (20,000 citizens, 3 years)")
    parser.add_argument("--no-followup", action="store_true", help="skip the follow-up indicators benchmark")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--settle", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-postgres", action="store_true",
                        help="skip the run on PostgreSQL (it is skipped anyway when none answers)")
    parser.add_argument("--render", action="store_true",
                        help="Only write the document again from the last run's var/bench-results.json.")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads((_var_dir() / "bench-results.json").read_text(encoding="utf-8"))
        text = _markdown(saved["runs"], saved["machine"], tuple(saved["loads"]), saved["started"],
                         saved.get("settlement"), saved.get("followup"))
        Path(args.output).write_text(text, encoding="utf-8")
        return
    if args.child:
        budget = None if args.visit_budget == 0 else args.visit_budget
        print(json.dumps(_child(args.child, args.citizens, args.months, args.reference, budget, args.settle)))
        return
    from frivalg.demo.rules import DEFAULT_VISIT_BUDGET

    budget = DEFAULT_VISIT_BUDGET if args.visit_budget < 0 else (args.visit_budget or None)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = _load()
    runs = {
        "default": _run("default", 2000, 12, visit_budget=budget),
        "large": _run("large", args.citizens, args.months, visit_budget=budget, settle=True),
        "reference-bulk": _run("reference-bulk", args.reference_citizens, 1, visit_budget=budget),
        "reference-orm": _run("reference-orm", args.reference_citizens, 1, reference=True, visit_budget=budget),
    }
    if not args.no_postgres and postgres_available():
        runs["large-pg"] = _run("large-pg", args.citizens, args.months, visit_budget=budget, settle=True)
    for leftover in (_var_dir() / "bench").glob("*.sqlite3*"):  # the settlement snapshots stay, for reuse
        leftover.unlink(missing_ok=True)
    settlement = None
    if not args.no_settlement:
        from frivalg.settlements import bench as settlement_bench

        sizes = [int(size) for size in args.settlement_sizes.split(",") if size.strip()]
        settlement = settlement_bench.run_benchmark(sizes, args.settlement_reference_size)
    followup = None
    if not args.no_followup:
        from frivalg.followup import bench as followup_bench

        followup = followup_bench.run_benchmark(args.followup_visits)
    machine = _machine()
    load_after = _load()
    results = _var_dir() / "bench-results.json"
    results.write_text(json.dumps({"runs": runs, "machine": machine, "loads": [load_before, load_after],
                                   "started": started, "settlement": settlement, "followup": followup}, indent=1),
                       encoding="utf-8")
    Path(args.output).write_text(_markdown(runs, machine, (load_before, load_after), started, settlement, followup),
                                 encoding="utf-8")
    large = runs["large"]
    print(f"{large['citizens']:,} citizens: {large['wall_seconds']:.1f} s wall, {large['cpu_seconds']:.1f} s CPU, "
          f"peak {large['maxrss_mb']:.0f} MB; written {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
