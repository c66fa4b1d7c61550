"""The follow-up engine: a DuckDB connection (through Ibis) holding one snapshot's tables, on
which indicators run. Two ways in: Arrow tables in memory (tests, a fresh snapshot; DuckDB scans
them without copying) or a warm snapshot stored as a DuckDB database file (followup.snapshot),
opened read-only. Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from frivalg.choices.rules import PUNCTUAL_WITHIN_MINUTES
from frivalg.followup import snapshot_schema as schema

#: The grain of the monthly visit cube.
MONTHLY_GRAIN = ("municipality_id", "month", "district_id", "service_id", "provider_id", "citizen_id")


def monthly(visits: ir.Table) -> ir.Table:
    """The done visits summed per month, district, service, provider and citizen: the cube most
    indicators read instead of the visits themselves (30M visits → about 1M rows). Counts of done
    visits, of those with performed time, the performed minutes (null when none), and the
    check-ins: how many, punctual (within PUNCTUAL_WITHIN_MINUTES of the planned start), late,
    early, and the summed delay."""
    v = visits.filter(visits.status == "done")
    delay = v.delay_minutes
    within = PUNCTUAL_WITHIN_MINUTES
    return v.group_by(list(MONTHLY_GRAIN)).aggregate(
        done_visits=v.count(),
        performed_visits=v.performed_minutes.count(),
        performed_minutes=v.performed_minutes.cast("int64").sum(),
        checked_in=delay.count(),
        punctual=v.count(where=delay.abs() <= within),
        late=v.count(where=delay > within),
        early=v.count(where=delay < -within),
        delay_sum=delay.cast("int64").sum(),
    )


def materialise_monthly(backend: ibis.BaseBackend, visits: ir.Table, name: str) -> ir.Table:
    """Store the monthly cube of `visits` as table `name` on a writable backend."""
    return backend.create_table(name, monthly(visits), overwrite=True)


def add_monthly_cube(connection: Any) -> None:
    """On a warm snapshot being written (a DuckDB connection holding the table `visits`), store
    the monthly cube as the table `visit_months`."""
    backend = ibis.duckdb.from_connection(connection)
    materialise_monthly(backend, backend.table("visits"), "visit_months")

if TYPE_CHECKING:
    from frivalg.followup.indicators.base import Indicator


class Engine:
    def __init__(self, backend: ibis.BaseBackend, *, threads: int | None = None) -> None:
        self.backend = backend
        if threads is not None:
            backend.raw_sql(f"SET threads = {int(threads)}")
        self._tables: dict[str, ir.Table] = {}

    @classmethod
    def from_arrow(cls, tables: Mapping[str, pa.Table], *, threads: int | None = None) -> Engine:
        """An engine over Arrow tables; tables not given are empty. Each table is conformed to
        its schema (a wrong or missing column fails here, not inside an indicator)."""
        unknown = set(tables) - set(schema.TABLES)
        if unknown:
            raise ValueError(f"unknown snapshot tables: {', '.join(sorted(unknown))}")
        engine = cls(ibis.duckdb.connect(), threads=threads)
        for name in schema.TABLES:
            arrow = schema.conform(name, tables[name]) if name in tables else schema.empty(name)
            engine.backend.con.register(f"fu_{name}", arrow)
            engine._tables[name] = engine.backend.table(f"fu_{name}")
        engine._tables["visit_months"] = materialise_monthly(engine.backend, engine._tables["visits"],
                                                            "fu_visit_months")
        return engine

    @classmethod
    def from_database(cls, path: Path, *, threads: int | None = None) -> Engine:
        """An engine over a warm snapshot: a DuckDB file with one table per snapshot table."""
        engine = cls(ibis.duckdb.connect(str(path), read_only=True), threads=threads)
        for name in schema.TABLES:
            engine._tables[name] = engine.backend.table(name)
        # Warm files carry the cube (followup.snapshot.warm); an older file gets it computed.
        stored = {row[0] for row in engine.backend.con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        engine._tables["visit_months"] = (engine.backend.table("visit_months") if "visit_months" in stored
                                          else monthly(engine._tables["visits"]))
        return engine

    def table(self, name: str) -> ir.Table:
        return self._tables[name]

    # Named accessors, so indicators read as prose.
    @property
    def municipalities(self) -> ir.Table:
        return self._tables["municipalities"]

    @property
    def districts(self) -> ir.Table:
        return self._tables["districts"]

    @property
    def services(self) -> ir.Table:
        return self._tables["services"]

    @property
    def providers(self) -> ir.Table:
        return self._tables["providers"]

    @property
    def citizens(self) -> ir.Table:
        return self._tables["citizens"]

    @property
    def approvals(self) -> ir.Table:
        return self._tables["approvals"]

    @property
    def decisions(self) -> ir.Table:
        return self._tables["decisions"]

    @property
    def choices(self) -> ir.Table:
        return self._tables["choices"]

    @property
    def visits(self) -> ir.Table:
        return self._tables["visits"]

    @property
    def visit_months(self) -> ir.Table:
        """The monthly cube of done visits (`monthly`)."""
        return self._tables["visit_months"]

    @property
    def terminations(self) -> ir.Table:
        return self._tables["terminations"]

    @property
    def complaints(self) -> ir.Table:
        return self._tables["complaints"]

    @property
    def ratings(self) -> ir.Table:
        return self._tables["ratings"]

    @property
    def costs(self) -> ir.Table:
        return self._tables["costs"]

    @property
    def budgets(self) -> ir.Table:
        return self._tables["budgets"]

    @property
    def after_calculations(self) -> ir.Table:
        return self._tables["after_calculations"]

    @property
    def waiting(self) -> ir.Table:
        return self._tables["waiting"]

    @property
    def tender_lots(self) -> ir.Table:
        return self._tables["tender_lots"]

    @property
    def tasks(self) -> ir.Table:
        return self._tables["tasks"]

    @property
    def task_services(self) -> ir.Table:
        return self._tables["task_services"]

    def execute(self, expression: ir.Table) -> pa.Table:
        return expression.to_pyarrow()

    def run(self, indicator: Indicator) -> pa.Table:
        return indicator.run(self)

    def run_all(self, indicators: Iterable[Indicator]) -> dict[str, pa.Table]:
        return {indicator.key(): indicator.run(self) for indicator in indicators}

    def labels(self) -> dict[str, dict[object, str]]:
        """Display names for the dimension columns: id → name per dimension column."""
        def pairs(table: ir.Table, key: str) -> dict[object, str]:
            arrow = table.select(key, "name").to_pyarrow()
            return dict(zip(arrow.column(0).to_pylist(), arrow.column(1).to_pylist(), strict=True))

        return {
            "municipality_id": pairs(self.municipalities, "municipality_id"),
            "district_id": pairs(self.districts, "district_id"),
            "service_id": pairs(self.services, "service_id"),
            "provider_id": pairs(self.providers, "provider_id"),
        }
