"""The shape of a settlement snapshot: the period's data as Arrow tables, the same for the
reference implementation (rules.py) and the engine (engine.py). Times are whole seconds since the
epoch: `*_s` in UTC, `local_*_s` as the municipality's wall-clock time written as if it were UTC,
so that days, minutes of the day and weekdays are plain integer arithmetic on every backend
(DuckDB, Spark) and DST has already been applied once, when the snapshot was taken. Days are days
since 1970-01-01 (local). Pure: no Django."""

from __future__ import annotations

import pyarrow as pa

VISITS = pa.schema([
    ("visit_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("provider_kind", pa.string()),
    ("citizen_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("service_id", pa.int64()),
    ("service_code", pa.string()),
    ("basis", pa.string()),
    ("status", pa.string()),
    ("planned_start_s", pa.int64()),
    ("planned_end_s", pa.int64()),
    ("local_start_s", pa.int64()),
    ("actual_start_s", pa.int64()),
    ("actual_end_s", pa.int64()),
    ("cancelled_at_s", pa.int64()),
    ("caregiver_id", pa.int64()),
    ("area", pa.string()),
    ("decision_granted", pa.bool_()),
    ("decision_from_day", pa.int32()),
    ("decision_to_day", pa.int32()),
    ("decision_new", pa.bool_()),
    ("granted_month_minutes", pa.int64()),
    ("approval_from_day", pa.int32()),
    ("approval_to_day", pa.int32()),
    ("override", pa.string()),
])

RATES = pa.schema([
    ("service_id", pa.int64()),
    ("time_band", pa.string()),
    ("area", pa.string()),
    ("provider_kind", pa.string()),
    ("unit", pa.string()),
    ("valid_from_day", pa.int32()),
    ("valid_to_day", pa.int32()),
    ("amount_minor", pa.int64()),
])

#: Public holidays and the municipality's extra days in the period: the band each day is priced as.
HOLIDAYS = pa.schema([("day", pa.int32()), ("band", pa.string())])

#: Unplanned absences (hospital stays) that touch the period.
ABSENCES = pa.schema([
    ("citizen_id", pa.int64()),
    ("start_day", pa.int32()),
    ("end_day", pa.int32()),
])

#: Capitation: each decision paid per month, one row per provider the citizen had in the period,
#: with the days (inclusive) the decision and that choice were both in force.
CAPITATION = pa.schema([
    ("decision_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("service_id", pa.int64()),
    ("service_code", pa.string()),
    ("provider_id", pa.int64()),
    ("provider_kind", pa.string()),
    ("area", pa.string()),
    ("age", pa.int32()),
    ("from_day", pa.int32()),
    ("to_day", pa.int32()),
])

#: Citizens' registered annual income for the co-payment bracket (null: none registered).
INCOMES = pa.schema([("citizen_id", pa.int64()), ("income_minor", pa.int64())])

#: The engine's output: one line per visit and per capitation row.
LINES = pa.schema([
    ("visit_id", pa.int64()),
    ("decision_id", pa.int64()),
    ("citizen_id", pa.int64()),
    ("provider_id", pa.int64()),
    ("service_id", pa.int64()),
    ("time_band", pa.string()),
    ("planned_minutes", pa.int64()),
    ("performed_minutes", pa.int64()),
    ("payable_minutes", pa.int64()),
    ("quantity", pa.int64()),
    ("unit_price_minor", pa.int64()),
    ("amount_minor", pa.int64()),
    ("reason_code", pa.string()),
    ("reasons", pa.string()),
    ("deviation", pa.bool_()),
])

BILLS = pa.schema([
    ("citizen_id", pa.int64()),
    ("minutes", pa.int64()),
    ("units", pa.int64()),
    ("fee_minor", pa.int64()),
    ("cap_minor", pa.int64()),
    ("amount_minor", pa.int64()),
])

SECONDS_PER_DAY = 86_400
#: 1970-01-01 was a Thursday: weekday (Monday 0) = (day + 3) % 7.
EPOCH_WEEKDAY_OFFSET = 3
#: Quantities are in ten-thousandths of a unit (10 000 = one visit, meal …), so that a share
#: with two-decimal percent (e.g. 37.50 %) is a whole number.
QUANTITY_ONE = 10_000
