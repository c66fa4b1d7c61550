"""Taking a settlement snapshot: one month of a municipality's data read from the operational
database as Arrow tables (snapshot_schema), plus the rules in force, and the content hash that
makes a run reproducible. Times are converted to integers in SQL (the same columns on SQLite and
PostgreSQL); the local wall-clock of each visit is derived once, vectorised, with the
municipality's time zone.

Two ways in: connectorx on PostgreSQL outside a transaction (it opens its own connection and
streams Arrow), or the Django connection: on SQLite (connectorx cannot type SQLite expression
columns that start with nulls), inside a transaction (another connection would not see
uncommitted rows) and for in-memory test databases. Both run the same SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from frivalg.assessments.rules import monthly_minutes
from frivalg.catalogue.rules import public_holidays
from frivalg.catalogue.selectors import time_band_scheme_for
from frivalg.core.models import Municipality
from frivalg.core.periods import Period
from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.models import SettlementPolicy
from frivalg.settlements.policy import Policy, parse_policy
from frivalg.settlements.reference import Params, Snapshot

EPOCH = date(1970, 1, 1)


def _vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _seconds(column: str) -> str:
    if _vendor() == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"  # %% : the driver's placeholders are %s


def _days(column: str) -> str:
    if _vendor() == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _connectorx_url() -> str | None:
    """A URL connectorx can open for the default database, or None (in-memory SQLite)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host = settings.get("HOST") or "localhost"
        port = settings.get("PORT") or 5432
        return f"postgresql://{user}{password}@{host}:{port}/{settings['NAME']}"
    return None


def _sqlite_file() -> str | None:
    """The default database's file when it is an SQLite file (not in memory), else None."""
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return str(Path(name).resolve())


def read_arrow(sql: str, params: Sequence[Any], target: pa.Schema, *, via: str = "auto",
               sqlite_file: str | None = None) -> pa.Table:
    """Run `sql` and return its rows as an Arrow table of `target`'s schema (columns in order):
    through connectorx from PostgreSQL, ADBC from an SQLite file (`sqlite_file`, by default the
    database's own), or the Django cursor (`via="django"`, and inside a transaction, whose
    uncommitted rows only this connection sees)."""
    url = _connectorx_url()
    sqlite_file = sqlite_file or _sqlite_file()
    columnar = via in ("connectorx", "adbc") or (
        via == "auto" and (url or sqlite_file) is not None and not connection.in_atomic_block)
    if columnar:
        if any(not isinstance(value, int) or isinstance(value, bool) for value in params):
            raise TypeError("the columnar readers take no parameters: only integers are inlined")
        inline = sql % tuple(str(value) for value in params)
        if url is not None:
            import connectorx

            table = connectorx.read_sql(url, inline, return_type="arrow")
        elif sqlite_file is not None:
            # ADBC reads SQLite into Arrow in C. It infers each column's type from its values,
            # so the queries keep nullable text columns non-null (COALESCE … '').
            import adbc_driver_sqlite.dbapi

            with adbc_driver_sqlite.dbapi.connect(sqlite_file) as sqlite, sqlite.cursor() as cursor:
                cursor.execute(inline)
                table = cursor.fetch_arrow_table()
        else:
            raise ValueError("no columnar reader for an in-memory database")
        return pa.Table.from_arrays([table.column(i).cast(f.type) for i, f in enumerate(target)], schema=target)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        columns: list[list[Any]] = [[] for _ in target]
        while rows := cursor.fetchmany(10_000):
            for row in rows:
                for i, value in enumerate(row):
                    columns[i].append(value)
    return pa.Table.from_arrays([pa.array(values, type=f.type) for values, f in zip(columns, target, strict=True)],
                                schema=target)


def _visits_sql() -> str:
    return f"""
        SELECT v.id, v.provider_id, p.kind, v.citizen_id, v.decision_id, v.service_id, s.code, s.payment_basis,
               v.status, {_seconds('v.planned_start')}, {_seconds('v.planned_end')},
               {_seconds('v.actual_start')}, {_seconds('v.actual_end')}, {_seconds('v.cancelled_at')},
               v.caregiver_id, dist.kind,
               CASE WHEN d.status IN ('granted', 'ended') THEN 1 ELSE 0 END,
               {_days('d.valid_from')}, {_days('d.valid_to')},
               {_days('a.valid_from')}, {_days('a.valid_to')}, CASE WHEN a.id IS NULL THEN 0 ELSE 1 END,
               COALESCE(o.action, '')
        FROM visits_visit v
        JOIN providers_provider p ON p.id = v.provider_id
        JOIN catalogue_service s ON s.id = v.service_id
        JOIN assessments_decision d ON d.id = v.decision_id
        JOIN core_citizen c ON c.id = v.citizen_id
        JOIN core_district dist ON dist.id = c.district_id
        LEFT JOIN providers_approval a ON a.provider_id = v.provider_id AND a.service_id = v.service_id
             AND a.municipality_id = v.municipality_id AND a.status = 'approved'
        LEFT JOIN settlements_lineoverride o ON o.visit_id = v.id
        WHERE v.municipality_id = %s AND {_seconds('v.planned_start')} >= %s AND {_seconds('v.planned_start')} < %s
        ORDER BY v.id
    """  # noqa: S608 - constant fragments only; the values are parameters


_VISIT_QUERY = pa.schema([
    ("visit_id", pa.int64()), ("provider_id", pa.int64()), ("provider_kind", pa.string()),
    ("citizen_id", pa.int64()), ("decision_id", pa.int64()), ("service_id", pa.int64()),
    ("service_code", pa.string()), ("basis", pa.string()), ("status", pa.string()),
    ("planned_start_s", pa.int64()), ("planned_end_s", pa.int64()), ("actual_start_s", pa.int64()),
    ("actual_end_s", pa.int64()), ("cancelled_at_s", pa.int64()), ("caregiver_id", pa.int64()),
    ("area", pa.string()), ("decision_granted", pa.int64()), ("decision_from_day", pa.int32()),
    ("decision_to_day", pa.int32()), ("approval_from_day", pa.int32()), ("approval_to_day", pa.int32()),
    ("approved", pa.int64()), ("override", pa.string()),
])


def _local_seconds(utc_seconds: pa.Array, time_zone: str) -> pa.Array:
    """Wall-clock time in `time_zone` written as epoch seconds (vectorised, DST-correct)."""
    stamps = utc_seconds.cast(pa.timestamp("s", tz=time_zone))
    return pc.local_timestamp(stamps).cast(pa.int64())


def policy_in_force(municipality: Municipality, on: date) -> tuple[Policy, dict[str, Any]]:
    stored = (SettlementPolicy.objects.filter(municipality=municipality, valid_from__lte=on)
              .order_by("-valid_from").first())
    document = stored.document if stored is not None else {}
    return parse_policy(document), {"valid_from": stored.valid_from.isoformat() if stored else None,
                                    "document": document}


def take_snapshot(municipality: Municipality, period: Period, *, via: str = "auto",
                  sqlite_file: str | None = None) -> tuple[Snapshot, dict[str, Any]]:
    """The month's snapshot and the policy record (its date and document) it was taken with."""
    if period.start.day != 1 or period.end != Period.month(period.start.year, period.start.month).end:
        raise ValueError("a settlement snapshot covers one calendar month")
    start_utc, end_utc = period.local_bounds(municipality.time_zone)
    first_day = (period.start - EPOCH).days
    month_days = period.days
    raw = read_arrow(_visits_sql(), [municipality.pk, int(start_utc.timestamp()), int(end_utc.timestamp())],
                     _VISIT_QUERY, via=via, sqlite_file=sqlite_file)
    decision_ids = sorted(set(raw.column("decision_id").to_pylist()))
    granted = _granted_minutes(decision_ids, month_days)
    new_from = pa.scalar(first_day, pa.int32())
    approved = pc.equal(raw.column("approved"), 1)
    visits = pa.Table.from_arrays([
        raw.column("visit_id"), raw.column("provider_id"), raw.column("provider_kind"), raw.column("citizen_id"),
        raw.column("decision_id"), raw.column("service_id"), raw.column("service_code"), raw.column("basis"),
        raw.column("status"), raw.column("planned_start_s"), raw.column("planned_end_s"),
        _local_seconds(raw.column("planned_start_s").combine_chunks(), municipality.time_zone),
        raw.column("actual_start_s"), raw.column("actual_end_s"), raw.column("cancelled_at_s"),
        raw.column("caregiver_id"), raw.column("area"), pc.equal(raw.column("decision_granted"), 1),
        raw.column("decision_from_day"), raw.column("decision_to_day"),
        pc.greater_equal(raw.column("decision_from_day"), new_from),
        _granted_column(raw.column("decision_id"), granted),
        pc.if_else(approved, raw.column("approval_from_day"), pa.scalar(None, pa.int32())),
        pc.if_else(approved, raw.column("approval_to_day"), pa.scalar(None, pa.int32())),
        _empty_as_null(raw.column("override")),
    ], schema=schema.VISITS)
    # An approval without a start date is in force from the beginning.
    visits = visits.set_column(22, "approval_from_day", pc.if_else(
        pc.and_(approved, pc.is_null(visits.column("approval_from_day"))),
        pa.scalar(first_day - 36_500, pa.int32()), visits.column("approval_from_day")))
    policy, policy_record = policy_in_force(municipality, period.start)
    scheme = time_band_scheme_for(municipality_id=municipality.pk)
    params = Params(
        day_start_minute=scheme.day_start.hour * 60 + scheme.day_start.minute,
        evening_start_minute=scheme.evening_start.hour * 60 + scheme.evening_start.minute,
        night_start_minute=scheme.night_start.hour * 60 + scheme.night_start.minute,
        split_weekend=scheme.split_weekend, crossing_rule=scheme.crossing_rule, month_first_day=first_day,
        month_days=month_days, policy=policy,
    )
    snapshot = Snapshot(
        visits=visits,
        rates=_rates(municipality),
        holidays=_holidays(municipality, period, scheme),
        absences=_absences(municipality, period),
        capitation=_capitation(municipality, period),
        incomes=_incomes(municipality, period.start.year),
        params=params,
    )
    return snapshot, policy_record


def _empty_as_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)


def _granted_column(decision_ids: pa.ChunkedArray, granted: dict[int, int]) -> pa.Array:
    """Each visit's decision's granted minutes for the month, by a vectorised lookup."""
    keys = pa.array(list(granted), pa.int64())
    values = pa.array(list(granted.values()), pa.int64())
    positions = pc.index_in(decision_ids.cast(pa.int64()), value_set=keys)
    return pc.fill_null(pc.take(values, positions), 0).combine_chunks()


def _granted_minutes(decision_ids: list[int], month_days: int) -> dict[int, int]:
    from frivalg.assessments.models import Decision

    rows = Decision.objects.filter(pk__in=decision_ids).values_list("pk", "amount", "unit", "frequency",
                                                                      "valid_from", "valid_to")
    granted = {}
    for pk, amount, unit, frequency, valid_from, valid_to in rows.iterator(chunk_size=5000):
        period_days = (valid_to - valid_from).days + 1 if valid_to else None
        try:
            minutes = monthly_minutes(Decimal(amount), unit, frequency, period_days)
        except ValueError:
            minutes = Decimal(0)
        granted[pk] = int(minutes)  # whole minutes, rounded down
    return granted


def _rates(municipality: Municipality) -> pa.Table:
    sql = f"""SELECT service_id, time_band, area, provider_kind, unit, {_days('valid_from')}, {_days('valid_to')},
                     amount_minor FROM catalogue_rate WHERE municipality_id = %s ORDER BY id"""  # noqa: S608
    return read_arrow(sql, [municipality.pk], schema.RATES, via="django")


def _holidays(municipality: Municipality, period: Period, scheme: Any) -> pa.Table:
    statutory = public_holidays(municipality.country, [period.start.year])
    rows = []
    day = period.start
    while day < period.end:
        band = scheme.extra_band(day) or ("holiday" if day in statutory else None)
        if band is not None:
            rows.append({"day": (day - EPOCH).days, "band": band})
        day += timedelta(days=1)
    return pa.Table.from_pylist(rows, schema=schema.HOLIDAYS)


def _absences(municipality: Municipality, period: Period) -> pa.Table:
    sql = f"""SELECT citizen_id, {_days('start')}, {_days('"end"')} FROM visits_absence
              WHERE municipality_id = %s AND planned = %s AND start < %s AND ("end" IS NULL OR "end" >= %s)
              ORDER BY id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [municipality.pk, False, period.end, period.start])
        rows = cursor.fetchall()
    return pa.Table.from_pylist([{"citizen_id": c, "start_day": s, "end_day": e} for c, s, e in rows],
                                schema=schema.ABSENCES)


def _capitation(municipality: Municipality, period: Period) -> pa.Table:
    from frivalg.choices.models import Choice

    last = period.end - timedelta(days=1)
    choices = (Choice.objects.filter(municipality=municipality, decision__service__payment_basis="capitation",
                                     decision__status__in=["granted", "ended"], decision__valid_from__lte=last,
                                     valid_from__lte=last)
               .select_related("decision__service", "decision__citizen__district", "provider"))
    rows = []
    for choice in choices.order_by("pk"):
        decision = choice.decision
        first = max(period.start, decision.valid_from, choice.valid_from)
        until = min(d for d in (last, decision.valid_to, choice.valid_to) if d is not None)
        if until < first:
            continue
        citizen = decision.citizen
        born = citizen.birth_date
        age = period.start.year - born.year - ((period.start.month, period.start.day) < (born.month, born.day))
        rows.append({"decision_id": decision.pk, "citizen_id": citizen.pk, "service_id": decision.service_id,
                     "service_code": decision.service.code, "provider_id": choice.provider_id,
                     "provider_kind": choice.provider.kind, "area": citizen.district.kind, "age": age,
                     "from_day": (first - EPOCH).days, "to_day": (until - EPOCH).days})
    return pa.Table.from_pylist(rows, schema=schema.CAPITATION)


def _incomes(municipality: Municipality, year: int) -> pa.Table:
    sql = "SELECT citizen_id, income_minor FROM settlements_citizenincome WHERE municipality_id = %s AND year = %s"
    return read_arrow(sql, [municipality.pk, year], schema.INCOMES, via="django")


def content_hash(snapshot: Snapshot, extra: Any = None) -> str:
    """SHA-256 of the snapshot's tables (Arrow IPC, in their order) and its parameters."""
    digest = hashlib.sha256()
    for table in (snapshot.visits, snapshot.rates, snapshot.holidays, snapshot.absences, snapshot.capitation,
                  snapshot.incomes):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.combine_chunks())
        digest.update(sink.getvalue().to_pybytes())
    digest.update(repr(snapshot.params).encode())
    digest.update(repr(extra).encode())
    return digest.hexdigest()


def lines_hash(table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()
