"""Taking a follow-up snapshot: every table of followup.snapshot_schema read from the operational
database, and the warm snapshot the indicators run on (a DuckDB file per data stamp).

No personal data leaves the database here: citizens and caregivers are internal ids only (no
names, national ids or addresses); provider, district, service and municipality names are kept.
Dates are read as day numbers and timestamps as epoch seconds in SQL (the same columns on SQLite
and PostgreSQL, settlements.snapshot's `_days`/`_seconds`); local days and minutes are derived
once, vectorised, in each municipality's time zone (DST-correct). Reads go through
settlements.snapshot.read_arrow: connectorx on PostgreSQL, ADBC on an SQLite file, the Django
cursor inside a transaction or on an in-memory database."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection
from django.utils import timezone

from frivalg.assessments.models import Assessment, AssessmentScore, Decision
from frivalg.assessments.rules import monthly_minutes
from frivalg.catalogue.models import Service
from frivalg.choices.models import Choice, Complaint, ProviderRating, ProviderTermination
from frivalg.core.models import AuditEvent, Citizen, District, Municipality
from frivalg.followup import snapshot_schema as schema
from frivalg.followup.engine import Engine, add_monthly_cube
from frivalg.followup.models import CompetitionTask
from frivalg.pricing.models import AfterCalculation, AfterCalculationLine
from frivalg.providers.models import Approval, Provider
from frivalg.settlements.models import SettlementBudget, SettlementLine, SettlementRun
from frivalg.settlements.snapshot import _days, _seconds, _sqlite_file, read_arrow
from frivalg.tenders.models import Award, Bid, Lot, Tender
from frivalg.tenders.selectors import COUNTED_STATUSES, OPENED_STATUSES
from frivalg.visits.models import Visit
from frivalg.waitinglists.models import WaitingList, WaitingListEntry

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
#: Warm snapshot files live here under settings.VAR_DIR.
WARM_DIRECTORY = "followup"
#: A temporary file this old is left over from a crashed build and may be removed.
STALE_TEMPORARY_SECONDS = 3600


def _t(model: Any) -> str:
    return str(model._meta.db_table)


def _through(model: Any, field: str) -> str:
    return str(getattr(model, field).through._meta.db_table)


class _Reader:
    """Runs the snapshot's queries for a set of municipalities (None: all of them)."""

    def __init__(self, municipality_ids: Sequence[int] | None, *, via: str, sqlite_file: str | None) -> None:
        self.ids = None if municipality_ids is None else sorted({int(i) for i in municipality_ids})
        self.via = via
        self.sqlite_file = sqlite_file

    def where(self, column: str) -> tuple[str, list[int]]:
        """`column IN (…)` for the chosen municipalities (always true for all of them)."""
        if self.ids is None:
            return "1 = 1", []
        if not self.ids:
            return "1 = 0", []
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", list(self.ids)

    def read(self, sql: str, params: Sequence[int], target: pa.Schema) -> pa.Table:
        return read_arrow(sql, params, target, via=self.via, sqlite_file=self.sqlite_file)


# --- vectorised conversions --------------------------------------------------------------------

def _as_days(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Day numbers since 1970-01-01 as dates."""
    return _combine(column).cast(pa.int32()).cast(pa.date32())


def _month_of(days: pa.Array) -> pa.Array:
    """The first day of each date's month."""
    return pc.floor_temporal(days, unit="month")


def _combine(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _empty_as_null(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    column = _combine(column)
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)


def _flag(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.not_equal(_combine(column).cast(pa.int64()), 0)


def _local_seconds(utc_seconds: pa.Array, time_zone: str) -> pa.Array:
    """Wall-clock time in `time_zone` written as epoch seconds (vectorised, DST-correct)."""
    stamps = utc_seconds.cast(pa.int64()).cast(pa.timestamp("s", tz=time_zone))
    return pc.local_timestamp(stamps).cast(pa.int64())


def _local_days(utc_seconds: pa.ChunkedArray | pa.Array, municipality_ids: pa.ChunkedArray | pa.Array,
                zones: dict[int, str]) -> pa.Array:
    """The local calendar day of each instant in its municipality's time zone (null stays null)."""
    seconds = _combine(utc_seconds).cast(pa.int64())
    owners = _combine(municipality_ids).cast(pa.int64())
    days = pa.nulls(len(seconds), pa.int64())
    for zone in sorted(set(zones.values())):
        members = pa.array([m for m, z in zones.items() if z == zone], pa.int64())
        local = pc.divide(_local_seconds(seconds, zone), SECONDS_PER_DAY)
        days = pc.if_else(pc.is_in(owners, value_set=members), local, days)
    return days.cast(pa.int32()).cast(pa.date32())


def _lookup(keys: pa.ChunkedArray | pa.Array, table_keys: pa.Array, values: pa.Array) -> pa.Array:
    """values[position of each key in table_keys] (null where absent): a vectorised join."""
    positions = pc.index_in(_combine(keys).cast(table_keys.type), value_set=table_keys)
    return pc.take(values, positions)


# --- the tables -------------------------------------------------------------------------------

def _municipalities(reader: _Reader) -> pa.Table:
    where, params = reader.where("id")
    sql = f"SELECT id, code, name, country, currency FROM {_t(Municipality)} WHERE {where} ORDER BY id"  # noqa: S608
    return reader.read(sql, params, schema.MUNICIPALITIES)


def _districts(reader: _Reader) -> pa.Table:
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, id, code, name, kind FROM {_t(District)}
              WHERE {where} ORDER BY id"""  # noqa: S608
    return reader.read(sql, params, schema.DISTRICTS)


def _services(reader: _Reader) -> pa.Table:
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, id, code, name, unit, payment_basis, care_level FROM {_t(Service)}
              WHERE {where} ORDER BY id"""  # noqa: S608
    return reader.read(sql, params, schema.SERVICES)


def _providers(reader: _Reader) -> pa.Table:
    """Every provider with a footing in the municipalities: owned by one, approved, chosen, with
    visits or settled there (all providers when the snapshot covers every municipality)."""
    if reader.ids is None:
        sql = f"SELECT id, name, kind FROM {_t(Provider)} ORDER BY id"  # noqa: S608
        return reader.read(sql, [], schema.PROVIDERS)
    where, params = reader.where("x.municipality_id")
    related = [_t(Approval), _t(Choice), _t(SettlementRun), _t(ProviderTermination), _t(Complaint),
               _t(ProviderRating)]
    exists = " OR ".join(f"EXISTS (SELECT 1 FROM {table} x WHERE x.provider_id = p.id AND {where})"  # noqa: S608
                         for table in [*related, _t(Visit)])
    owner, owner_params = reader.where("p.owner_municipality_id")
    sql = f"""SELECT p.id, p.name, p.kind FROM {_t(Provider)} p
              WHERE {owner} OR {exists} ORDER BY p.id"""  # noqa: S608
    return reader.read(sql, owner_params + params * (len(related) + 1), schema.PROVIDERS)


def _points_sql() -> str:
    """Need points per assessment (choices.rules.need_points): FSIII sums the scores 1–4, IPLOS
    sums score − 1 over the scores 1–5; null for another scale."""
    return f"""
        SELECT a.id AS assessment_id, a.citizen_id, a.assessed_on, a.status,
               CASE WHEN a.scale IN ('fsiii', 'iplos') THEN COALESCE(SUM(
                   CASE WHEN a.scale = 'fsiii' AND s.score BETWEEN 1 AND 4 THEN s.score
                        WHEN a.scale = 'iplos' AND s.score BETWEEN 1 AND 5 THEN s.score - 1
                        ELSE 0 END), 0) END AS points
        FROM {_t(Assessment)} a LEFT JOIN {_t(AssessmentScore)} s ON s.assessment_id = a.id
        WHERE {{where}}
        GROUP BY a.id, a.citizen_id, a.assessed_on, a.status, a.scale
    """  # noqa: S608


_CITIZEN_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("citizen_id", pa.int64()), ("district_id", pa.int64()),
    ("birth_day", pa.int32()), ("need_points", pa.int32()),
])


def _citizens(reader: _Reader) -> pa.Table:
    """Citizens with their district now and the need points of their latest completed assessment
    (by assessment day, then the later record)."""
    points_where, points_params = reader.where("a.municipality_id")
    where, params = reader.where("c.municipality_id")
    sql = f"""
        WITH points AS ({_points_sql().format(where=points_where)}),
        latest AS (
            SELECT citizen_id, points, ROW_NUMBER() OVER (
                PARTITION BY citizen_id ORDER BY assessed_on DESC, assessment_id DESC) AS n
            FROM points WHERE status = 'completed'
        )
        SELECT c.municipality_id, c.id, c.district_id, {_days('c.birth_date')}, l.points
        FROM {_t(Citizen)} c LEFT JOIN latest l ON l.citizen_id = c.id AND l.n = 1
        WHERE {where} ORDER BY c.id
    """  # noqa: S608
    raw = reader.read(sql, points_params + params, _CITIZEN_QUERY)
    return pa.Table.from_arrays([
        raw.column("municipality_id"), raw.column("citizen_id"), raw.column("district_id"),
        pc.year(_as_days(raw.column("birth_day"))).cast(pa.int32()), raw.column("need_points"),
    ], schema=schema.CITIZENS)


_APPROVAL_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("approval_id", pa.int64()), ("provider_id", pa.int64()),
    ("service_id", pa.int64()), ("district_id", pa.int64()), ("status", pa.string()), ("from_day", pa.int32()),
    ("to_day", pa.int32()), ("capacity", pa.int32()), ("accepting", pa.int64()),
])


def _approvals(reader: _Reader) -> pa.Table:
    """One row per approval and served district; an approval serving no district in particular
    (every district) is one row with a null district."""
    where, params = reader.where("a.municipality_id")
    sql = f"""
        SELECT a.municipality_id, a.id, a.provider_id, a.service_id, sd.district_id, a.status,
               {_days('a.valid_from')}, {_days('a.valid_to')}, a.capacity,
               CASE WHEN a.accepting_new_clients THEN 1 ELSE 0 END
        FROM {_t(Approval)} a LEFT JOIN {_through(Approval, 'served_districts')} sd ON sd.approval_id = a.id
        WHERE {where} ORDER BY a.id, sd.district_id
    """  # noqa: S608
    raw = reader.read(sql, params, _APPROVAL_QUERY)
    return pa.Table.from_arrays([
        *(raw.column(name) for name in ("municipality_id", "approval_id", "provider_id", "service_id",
                                        "district_id", "status")),
        _as_days(raw.column("from_day")), _as_days(raw.column("to_day")), raw.column("capacity"),
        _flag(raw.column("accepting")),
    ], schema=schema.APPROVALS)


_DECISION_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("decision_id", pa.int64()), ("citizen_id", pa.int64()),
    ("service_id", pa.int64()), ("status", pa.string()), ("version", pa.int32()), ("previous_id", pa.int64()),
    ("decided_s", pa.int64()), ("from_day", pa.int32()), ("to_day", pa.int32()), ("amount_cents", pa.int64()),
    ("unit", pa.string()), ("frequency", pa.string()), ("need_points", pa.int32()),
])


def _decisions(reader: _Reader, zones: dict[int, str]) -> pa.Table:
    points_where, points_params = reader.where("a.municipality_id")
    where, params = reader.where("d.municipality_id")
    sql = f"""
        WITH points AS ({_points_sql().format(where=points_where)})
        SELECT d.municipality_id, d.id, d.citizen_id, d.service_id, d.status, d.version, d.previous_id,
               {_seconds('d.decided_at')}, {_days('d.valid_from')}, {_days('d.valid_to')},
               CAST(ROUND(d.amount * 100) AS BIGINT), d.unit, d.frequency, p.points
        FROM {_t(Decision)} d LEFT JOIN points p ON p.assessment_id = d.assessment_id
        WHERE {where} ORDER BY d.id
    """  # noqa: S608
    raw = reader.read(sql, points_params + params, _DECISION_QUERY)
    from_day, to_day = raw.column("from_day"), raw.column("to_day")
    return pa.Table.from_arrays([
        *(raw.column(name) for name in ("municipality_id", "decision_id", "citizen_id", "service_id", "status",
                                        "version", "previous_id")),
        _local_days(raw.column("decided_s"), raw.column("municipality_id"), zones),
        _as_days(from_day), _as_days(to_day),
        _granted_month_minutes(raw),
        raw.column("need_points"),
    ], schema=schema.DECISIONS)


def _granted_month_minutes(raw: pa.Table) -> pa.Array:
    """The month's granted minutes as settlement counts them (assessments.rules.monthly_minutes,
    whole minutes rounded down); null for grants not in time units. One pass over the decisions,
    each distinct grant computed once."""
    found: dict[tuple[int, str, str, int | None], int | None] = {}
    out: list[int | None] = []
    columns = [raw.column(name).to_pylist() for name in ("amount_cents", "unit", "frequency", "from_day", "to_day")]
    for cents, unit, frequency, from_day, to_day in zip(*columns, strict=True):
        period_days = to_day - from_day + 1 if to_day is not None else None
        key = (cents, unit, frequency, period_days if frequency == "period" else None)
        if key not in found:
            try:
                found[key] = int(monthly_minutes(Decimal(cents) / 100, unit, frequency, period_days))
            except ValueError:
                found[key] = None
        out.append(found[key])
    return pa.array(out, pa.int64())


_CHOICE_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("choice_id", pa.int64()), ("decision_id", pa.int64()),
    ("citizen_id", pa.int64()), ("service_id", pa.int64()), ("provider_id", pa.int64()), ("from_day", pa.int32()),
    ("to_day", pa.int32()), ("how", pa.string()), ("default_rule", pa.string()), ("initiated_by", pa.string()),
    ("is_switch", pa.int64()),
])


def _choices(reader: _Reader) -> pa.Table:
    where, params = reader.where("ch.municipality_id")
    sql = f"""
        SELECT ch.municipality_id, ch.id, ch.decision_id, d.citizen_id, d.service_id, ch.provider_id,
               {_days('ch.valid_from')}, {_days('ch.valid_to')}, ch.how, ch.default_rule,
               COALESCE(ch.initiated_by, ''), CASE WHEN ch.previous_id IS NULL THEN 0 ELSE 1 END
        FROM {_t(Choice)} ch JOIN {_t(Decision)} d ON d.id = ch.decision_id
        WHERE {where} ORDER BY ch.id
    """  # noqa: S608
    raw = reader.read(sql, params, _CHOICE_QUERY)
    return pa.Table.from_arrays([
        *(raw.column(name) for name in ("municipality_id", "choice_id", "decision_id", "citizen_id", "service_id",
                                        "provider_id")),
        _as_days(raw.column("from_day")), _as_days(raw.column("to_day")), raw.column("how"),
        _empty_as_null(raw.column("default_rule")), _empty_as_null(raw.column("initiated_by")),
        _flag(raw.column("is_switch")),
    ], schema=schema.CHOICES)


_VISIT_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("citizen_id", pa.int64()), ("provider_id", pa.int64()),
    ("service_id", pa.int64()), ("decision_id", pa.int64()), ("caregiver_id", pa.int64()), ("status", pa.string()),
    ("planned_start_s", pa.int64()), ("planned_end_s", pa.int64()), ("actual_start_s", pa.int64()),
    ("actual_end_s", pa.int64()),
])


def _epoch(column: str) -> str:
    """Epoch seconds of a timestamp column, as settlements.snapshot._seconds (whole seconds,
    rounded down); on SQLite 3.38+ with unixepoch(), about twice as fast as strftime('%s')."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"
    return _seconds(column)


def _visits_sql() -> str:
    # SQLite: `+municipality_id` reads the table in order instead of row by row through the
    # (municipality, planned_start) index — several times faster for a municipality's every visit.
    municipality = "+municipality_id" if connection.vendor == "sqlite" else "municipality_id"
    return f"""
        SELECT municipality_id, citizen_id, provider_id, service_id, decision_id, caregiver_id, status,
               {_epoch('planned_start')}, {_epoch('planned_end')}, {_epoch('actual_start')},
               {_epoch('actual_end')}
        FROM {_t(Visit)} WHERE {municipality} = %s
    """  # noqa: S608


def _visits(reader: _Reader, zones: dict[int, str], citizens: pa.Table) -> pa.Table:
    """Every visit, one query per municipality (its time zone): local day, month and start
    minute of the planned start; planned, performed (done, checked in and out) and delay
    (check-in − planned start, toward zero) minutes; the citizen's district."""
    parts = [_visits_of(reader.read(_visits_sql(), [municipality_id], _VISIT_QUERY), zone)
             for municipality_id, zone in sorted(zones.items())]
    if not parts:
        return schema.empty("visits")
    table = pa.concat_tables(parts)
    district = _lookup(table.column("citizen_id"), _combine(citizens.column("citizen_id")),
                       _combine(citizens.column("district_id")))
    return table.set_column(table.schema.get_field_index("district_id"), "district_id", district)


def _visits_of(raw: pa.Table, zone: str) -> pa.Table:
    start = _combine(raw.column("planned_start_s"))
    local = _local_seconds(start, zone)
    day = pc.divide(local, SECONDS_PER_DAY)
    minute = pc.divide(pc.subtract(local, pc.multiply(day, SECONDS_PER_DAY)), 60)
    days = day.cast(pa.int32()).cast(pa.date32())
    actual_start = _combine(raw.column("actual_start_s"))
    actual_end = _combine(raw.column("actual_end_s"))
    done = pc.and_kleene(pc.equal(raw.column("status"), "done"),
                         pc.and_(pc.is_valid(actual_start), pc.is_valid(actual_end)))
    performed = pc.if_else(done, pc.divide(pc.subtract(actual_end, actual_start), 60), pa.scalar(None, pa.int64()))
    # Integer division truncates toward zero: 90 s early is one minute early, 30 s is none.
    delay = pc.divide(pc.subtract(actual_start, start), 60)
    return pa.Table.from_arrays([
        raw.column("municipality_id"), raw.column("citizen_id"), raw.column("provider_id"), raw.column("service_id"),
        raw.column("decision_id"), pa.nulls(raw.num_rows, pa.int64()), raw.column("caregiver_id"),
        raw.column("status"), days, _month_of(days), minute.cast(pa.int16()),
        pc.divide(pc.subtract(_combine(raw.column("planned_end_s")), start), 60).cast(pa.int32()),
        performed.cast(pa.int32()), delay.cast(pa.int32()),
    ], schema=schema.VISITS)


_TERMINATION_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("provider_id", pa.int64()), ("citizen_id", pa.int64()),
    ("decision_id", pa.int64()), ("service_id", pa.int64()), ("last_day", pa.int32()), ("reason_code", pa.string()),
    ("need_points", pa.int32()),
])


def _terminations(reader: _Reader) -> pa.Table:
    where, params = reader.where("t.municipality_id")
    sql = f"""
        SELECT t.municipality_id, t.provider_id, d.citizen_id, t.decision_id, d.service_id, {_days('t.last_day')},
               t.reason_code, t.need_points
        FROM {_t(ProviderTermination)} t JOIN {_t(Decision)} d ON d.id = t.decision_id
        WHERE {where} ORDER BY t.id
    """  # noqa: S608
    raw = reader.read(sql, params, _TERMINATION_QUERY)
    return raw.set_column(5, "last_day", _as_days(raw.column("last_day"))).cast(schema.TERMINATIONS)


_COMPLAINT_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("provider_id", pa.int64()), ("citizen_id", pa.int64()),
    ("received_day", pa.int32()), ("outcome", pa.string()),
])


def _complaints(reader: _Reader) -> pa.Table:
    """Complaints; `outcome` null while undecided."""
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, provider_id, citizen_id, {_days('received')}, outcome
              FROM {_t(Complaint)} WHERE {where} ORDER BY id"""  # noqa: S608
    raw = reader.read(sql, params, _COMPLAINT_QUERY)
    return pa.Table.from_arrays([
        raw.column("municipality_id"), raw.column("provider_id"), raw.column("citizen_id"),
        _as_days(raw.column("received_day")), _empty_as_null(raw.column("outcome")),
    ], schema=schema.COMPLAINTS)


_RATING_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("provider_id", pa.int64()), ("citizen_id", pa.int64()),
    ("quarter", pa.string()), ("respect", pa.int16()), ("on_time", pa.int16()), ("same_people", pa.int16()),
    ("overall", pa.int16()),
])


def quarter_start(quarter: str) -> date:
    """The first day of a quarter written as choices.rules.quarter_of writes it ("2026Q4"; a
    "2026-Q4" reads the same)."""
    year, number = int(quarter[:4]), int(quarter[-1])
    if not 1 <= number <= 4:
        raise ValueError(f"not a quarter: {quarter!r}")
    return date(year, 3 * (number - 1) + 1, 1)


def _ratings(reader: _Reader) -> pa.Table:
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, provider_id, citizen_id, quarter, respect, on_time, same_people, overall
              FROM {_t(ProviderRating)} WHERE {where} ORDER BY id"""  # noqa: S608
    raw = reader.read(sql, params, _RATING_QUERY)
    # Few distinct quarters: each is parsed once and the column is mapped through its dictionary.
    encoded = _combine(raw.column("quarter")).dictionary_encode()
    starts = pa.array([quarter_start(q) for q in encoded.dictionary.to_pylist()], pa.date32())
    return raw.set_column(3, "quarter_start", pc.take(starts, encoded.indices)).cast(schema.RATINGS)


_COST_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("period_day", pa.int32()), ("provider_id", pa.int64()),
    ("service_id", pa.int64()), ("citizen_id", pa.int64()), ("amount_minor", pa.int64()),
    ("performed_minutes", pa.int64()), ("final", pa.int64()),
])


def _costs(reader: _Reader) -> pa.Table:
    """Settlement lines summed per month of the run's period, provider, service and citizen, from
    every run (corrections included); `final` for approved and exported runs."""
    where, params = reader.where("r.municipality_id")
    sql = f"""
        SELECT r.municipality_id, {_days('r.period_start')}, r.provider_id, l.service_id, l.citizen_id,
               CAST(SUM(l.amount_minor) AS BIGINT), CAST(SUM(l.performed_minutes) AS BIGINT),
               CASE WHEN r.status IN ('approved', 'exported') THEN 1 ELSE 0 END
        FROM {_t(SettlementLine)} l JOIN {_t(SettlementRun)} r ON r.id = l.run_id
        WHERE {where}
        GROUP BY r.municipality_id, r.period_start, r.provider_id, l.service_id, l.citizen_id,
                 CASE WHEN r.status IN ('approved', 'exported') THEN 1 ELSE 0 END
    """  # noqa: S608
    raw = reader.read(sql, params, _COST_QUERY)
    months = _month_of(_as_days(raw.column("period_day")))
    keyed = pa.table({
        "municipality_id": raw.column("municipality_id"), "month": months, "provider_id": raw.column("provider_id"),
        "service_id": raw.column("service_id"), "citizen_id": raw.column("citizen_id"),
        "final": _flag(raw.column("final")), "amount_minor": raw.column("amount_minor"),
        "performed_minutes": raw.column("performed_minutes"),
    })
    # Runs starting within a month fall into that month: sum once more over the month.
    keys = ["municipality_id", "month", "provider_id", "service_id", "citizen_id", "final"]
    summed = keyed.group_by(keys, use_threads=False).aggregate([("amount_minor", "sum"),
                                                                 ("performed_minutes", "sum")])
    summed = summed.rename_columns({"amount_minor_sum": "amount_minor", "performed_minutes_sum": "performed_minutes"})
    ordered = summed.sort_by([(k, "ascending") for k in keys])
    return schema.conform("costs", ordered)


_BUDGET_QUERY = pa.schema([("municipality_id", pa.int64()), ("month", pa.int32()), ("amount_minor", pa.int64())])


def _budgets(reader: _Reader) -> pa.Table:
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, {_days('month')}, amount_minor FROM {_t(SettlementBudget)}
              WHERE {where} ORDER BY municipality_id, month"""  # noqa: S608
    raw = reader.read(sql, params, _BUDGET_QUERY)
    return raw.set_column(1, "month", _month_of(_as_days(raw.column("month")))).cast(schema.BUDGETS)


_AFTER_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("after_calculation_id", pa.int64()), ("created_s", pa.int64()),
    ("provider_id", pa.int64()), ("service_code", pa.string()), ("time_band", pa.string()), ("minutes", pa.int64()),
    ("set_price_minor", pa.int64()), ("actual_price_minor", pa.int64()), ("difference_minor", pa.int64()),
])


def _after_calculations(reader: _Reader, zones: dict[int, str]) -> pa.Table:
    """The in-house unit's after-calculation lines; `day` the local day the after-calculation
    was made, `minutes` the delivered hours × 60."""
    where, params = reader.where("a.municipality_id")
    sql = f"""
        SELECT a.municipality_id, a.id, {_seconds('a.created_at')}, l.provider_id, l.service, l.time_band,
               CAST(ROUND(l.hours * 60) AS BIGINT), l.set_price_minor, l.actual_price_minor, l.difference_minor
        FROM {_t(AfterCalculationLine)} l JOIN {_t(AfterCalculation)} a ON a.id = l.after_calculation_id
        WHERE {where} ORDER BY a.id, l.id
    """  # noqa: S608
    raw = reader.read(sql, params, _AFTER_QUERY)
    day = _local_days(raw.column("created_s"), raw.column("municipality_id"), zones)
    return raw.set_column(2, "day", day).cast(schema.AFTER_CALCULATIONS)


_WAITING_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("service_id", pa.int64()), ("citizen_id", pa.int64()),
    ("need_score", pa.int32()), ("urgent", pa.int64()), ("applied_day", pa.int32()), ("placed_day", pa.int32()),
    ("left_day", pa.int32()), ("status", pa.string()),
])


def _waiting(reader: _Reader) -> pa.Table:
    where, params = reader.where("w.municipality_id")
    sql = f"""
        SELECT w.municipality_id, w.service_id, e.citizen_id, e.need_score, CASE WHEN e.urgent THEN 1 ELSE 0 END,
               {_days('e.applied_on')}, {_days('e.placed_on')}, {_days('e.left_on')}, e.status
        FROM {_t(WaitingListEntry)} e JOIN {_t(WaitingList)} w ON w.id = e.waiting_list_id
        WHERE {where} ORDER BY e.id
    """  # noqa: S608
    raw = reader.read(sql, params, _WAITING_QUERY)
    return pa.Table.from_arrays([
        raw.column("municipality_id"), raw.column("service_id"), raw.column("citizen_id"), raw.column("need_score"),
        _flag(raw.column("urgent")), _as_days(raw.column("applied_day")), _as_days(raw.column("placed_day")),
        _as_days(raw.column("left_day")), raw.column("status"),
    ], schema=schema.WAITING)


_TASK_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("task_id", pa.int64()), ("code", pa.string()), ("name", pa.string()),
    ("exposable", pa.int64()), ("exposed_on", pa.int32()), ("in_house_won_on", pa.int32()),
])


def _tasks(reader: _Reader) -> pa.Table:
    where, params = reader.where("municipality_id")
    sql = f"""SELECT municipality_id, id, code, name, CASE WHEN exposable THEN 1 ELSE 0 END,
                     {_days('exposed_on')}, {_days('in_house_won_on')}
              FROM {_t(CompetitionTask)} WHERE {where} ORDER BY id"""  # noqa: S608
    raw = reader.read(sql, params, _TASK_QUERY)
    return pa.Table.from_arrays([
        raw.column("municipality_id"), raw.column("task_id"), raw.column("code"), raw.column("name"),
        _flag(raw.column("exposable")), _as_days(raw.column("exposed_on")), _as_days(raw.column("in_house_won_on")),
    ], schema=schema.TASKS)


def _task_services(reader: _Reader) -> pa.Table:
    where, params = reader.where("t.municipality_id")
    sql = f"""SELECT ts.competitiontask_id, ts.service_id
              FROM {_through(CompetitionTask, 'services')} ts
              JOIN {_t(CompetitionTask)} t ON t.id = ts.competitiontask_id
              WHERE {where} ORDER BY ts.competitiontask_id, ts.service_id"""  # noqa: S608
    return reader.read(sql, params, schema.TASK_SERVICES)


_TENDER_LOT_QUERY = pa.schema([
    ("municipality_id", pa.int64()), ("tender_id", pa.int64()), ("lot_id", pa.int64()), ("service_id", pa.int64()),
    ("published_s", pa.int64()), ("deadline_s", pa.int64()), ("status", pa.string()), ("bids", pa.int32()),
    ("control_bid", pa.int64()), ("private_bids", pa.int32()), ("awarded", pa.int64()),
    ("winner_kind", pa.string()),
])


def _quoted(values: Sequence[str]) -> str:
    """A constant list of status codes as SQL literals (codes are [a-z_] only)."""
    if not all(value.replace("_", "").isalpha() and value.islower() for value in values):
        raise ValueError("status codes are lower-case letters and underscores")
    return ", ".join(f"'{value}'" for value in values)


def _tender_lots(reader: _Reader, zones: dict[int, str]) -> pa.Table:
    """One row per tender lot. The seal as tenders.selectors keeps it: the bids, the control bid,
    the private bids and the winner's kind are read only for a tender whose bids have been opened
    (opened, awarded or contracted with an opening time); before, they are null."""
    where, params = reader.where("t.municipality_id")
    counted = f"b.lot_id = l.id AND b.status IN ({_quoted([str(s) for s in COUNTED_STATUSES])})"
    opened = f"t.opened_at IS NOT NULL AND t.status IN ({_quoted([str(s) for s in OPENED_STATUSES])})"
    bids, providers = _t(Bid), _t(Provider)
    sql = f"""
        SELECT t.municipality_id, t.id, l.id, l.service_id, {_seconds('t.published_at')},
               {_seconds('t.bid_deadline')}, t.status,
               CASE WHEN {opened} THEN (SELECT COUNT(*) FROM {bids} b WHERE {counted}) END,
               CASE WHEN {opened} THEN CASE WHEN EXISTS (
                   SELECT 1 FROM {bids} b WHERE {counted} AND b.control_bid) THEN 1 ELSE 0 END END,
               CASE WHEN {opened} THEN (SELECT COUNT(*) FROM {bids} b JOIN {providers} p ON p.id = b.provider_id
                                        WHERE {counted} AND p.kind = 'private') END,
               CASE WHEN EXISTS (SELECT 1 FROM {_t(Award)} a WHERE a.lot_id = l.id) THEN 1 ELSE 0 END,
               CASE WHEN {opened} THEN COALESCE((
                   SELECT p.kind FROM {_t(Award)} a
                   JOIN {_through(Award, 'winners')} w ON w.award_id = a.id
                   JOIN {bids} b ON b.id = w.bid_id
                   JOIN {providers} p ON p.id = b.provider_id
                   WHERE a.lot_id = l.id ORDER BY b.id LIMIT 1), '') ELSE '' END
        FROM {_t(Lot)} l JOIN {_t(Tender)} t ON t.id = l.tender_id
        WHERE {where} ORDER BY t.id, l.number
    """  # noqa: S608 - table names from the models, status codes checked constants
    raw = reader.read(sql, params, _TENDER_LOT_QUERY)
    owners = raw.column("municipality_id")
    return pa.Table.from_arrays([
        owners, raw.column("tender_id"), raw.column("lot_id"), raw.column("service_id"),
        _local_days(raw.column("published_s"), owners, zones), _local_days(raw.column("deadline_s"), owners, zones),
        raw.column("status"), raw.column("bids"), _flag(raw.column("control_bid")), raw.column("private_bids"),
        _flag(raw.column("awarded")), _empty_as_null(raw.column("winner_kind")),
    ], schema=schema.TENDER_LOTS)


def take(municipality_ids: Sequence[int] | None = None, *, via: str = "auto",
         sqlite_file: str | None = None) -> dict[str, pa.Table]:
    """Every snapshot table (followup.snapshot_schema.TABLES) for the municipalities, or for
    every municipality of the installation (None). `via`/`sqlite_file` as read_arrow."""
    reader = _Reader(municipality_ids, via=via, sqlite_file=sqlite_file)
    zones_query = Municipality.objects.all()
    if reader.ids is not None:
        zones_query = zones_query.filter(pk__in=reader.ids)
    zones = dict(zones_query.values_list("pk", "time_zone"))
    citizens = _citizens(reader)
    tables = {
        "municipalities": _municipalities(reader),
        "districts": _districts(reader),
        "services": _services(reader),
        "providers": _providers(reader),
        "citizens": citizens,
        "approvals": _approvals(reader),
        "decisions": _decisions(reader, zones),
        "choices": _choices(reader),
        "visits": _visits(reader, zones, citizens),
        "terminations": _terminations(reader),
        "complaints": _complaints(reader),
        "ratings": _ratings(reader),
        "costs": _costs(reader),
        "budgets": _budgets(reader),
        "after_calculations": _after_calculations(reader, zones),
        "waiting": _waiting(reader),
        "tasks": _tasks(reader),
        "task_services": _task_services(reader),
        "tender_lots": _tender_lots(reader, zones),
    }
    return {name: schema.conform(name, tables[name]) for name in schema.TABLES}


# --- the data stamp and the warm snapshot ---------------------------------------------------------

#: Tables whose newest id and row count make up the stamp: a row added or removed anywhere the
#: snapshot reads changes it; changes in place are made by services, which add an audit row.
_STAMPED: tuple[Any, ...] = (
    Municipality, District, Service, Provider, Citizen, Assessment, AssessmentScore, Decision, Choice, Approval,
    Visit, ProviderTermination, Complaint, ProviderRating, SettlementRun, SettlementLine, SettlementBudget,
    AfterCalculation, AfterCalculationLine, WaitingListEntry, CompetitionTask, Tender, Lot, Bid, Award,
)


def stamp() -> tuple[str, datetime]:
    """A short string that changes whenever the data the snapshot reads changes, and the time
    the data is as of (the latest audit row, or now). Cheap aggregates in one query: the newest
    audit row, and the newest id and row count of every table read."""
    tables = [_t(AuditEvent), *(_t(model) for model in _STAMPED),
              _through(Approval, "served_districts"), _through(CompetitionTask, "services"),
              _through(Award, "winners")]
    # Table names from the models only.
    parts = ", ".join(f"(SELECT MAX(id) FROM {table}), (SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        counts = cursor.fetchone()
    latest = AuditEvent.objects.order_by("-created_at", "-id").values_list("created_at", flat=True).first()
    digest = hashlib.sha256(repr((counts, latest.isoformat() if latest else None)).encode()).hexdigest()
    return f"{counts[0] or 0}-{digest[:24]}", latest or timezone.now()


def warm(tables: dict[str, pa.Table], path: Path) -> None:
    """Write the snapshot as a DuckDB database file: one table per snapshot table (conformed to
    its schema; a table not given is written empty)."""
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as database:
        for name in schema.TABLES:
            arrow = schema.conform(name, tables[name]) if name in tables else schema.empty(name)
            database.register("snapshot_source", arrow)
            database.execute(f'CREATE TABLE "{name}" AS SELECT * FROM snapshot_source')  # noqa: S608
            database.unregister("snapshot_source")
        add_monthly_cube(database)
        database.execute("CHECKPOINT")


def _warm_allowed() -> bool:
    """A warm file is only shared when the data is committed and visible to others: not inside a
    transaction, and not on an in-memory database."""
    if connection.in_atomic_block:
        return False
    return connection.vendor == "postgresql" or _sqlite_file() is not None


def _ids_key(municipality_ids: Sequence[int] | None) -> str:
    ids = "all" if municipality_ids is None else ",".join(str(i) for i in sorted({int(m) for m in municipality_ids}))
    return hashlib.sha256(ids.encode()).hexdigest()[:12]


def warm_path(data_stamp: str, municipality_ids: Sequence[int] | None) -> Path:
    stamp_key = hashlib.sha256(data_stamp.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / WARM_DIRECTORY / f"snapshot-{stamp_key}-{_ids_key(municipality_ids)}.duckdb"


def _remove_stale(directory: Path, current_stamp_key: str) -> None:
    """Remove warm files of older data (any municipalities) and temporary files left behind."""
    now = time.time()
    for old in directory.glob("snapshot-*.duckdb"):
        if old.name.split("-")[1] != current_stamp_key:
            old.unlink(missing_ok=True)
    for leftover in directory.glob(".snapshot-*.tmp"):
        try:
            if now - leftover.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                leftover.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def engine_for(municipality_ids: Sequence[int] | None = None) -> tuple[Engine, str, datetime]:
    """An engine over the current data of the municipalities (None: all), with the data stamp and
    the time the data is as of. Outside a transaction on a database file or server, the warm
    snapshot for this stamp is reused, or built once (written under a temporary name, then
    renamed into place atomically) and older ones removed; otherwise the tables are read fresh."""
    data_stamp, as_of = stamp()
    if not _warm_allowed():
        return Engine.from_arrow(take(municipality_ids)), data_stamp, as_of
    path = warm_path(data_stamp, municipality_ids)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.parent / f".{path.stem}-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
        try:
            warm(take(municipality_ids), temporary)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        _remove_stale(path.parent, path.name.split("-")[1])
    return Engine.from_database(path), data_stamp, as_of

