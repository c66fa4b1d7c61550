"""The settlement engine: the rules of reference.py as Ibis expressions, so the same definition
runs on DuckDB (embedded, the default) and on PySpark (scale-out), over a snapshot's Arrow
tables. It never loops over rows in Python: every step is a column expression, a join or a
window. Differential tests hold it equal to the reference, line by line, to the øre.

Integer arithmetic throughout: Ibis compiles `a // b` to FLOOR(a / b), exact while the operands
stay below 2^53 (amounts here are below 10^13). Rounding half up is (2a + b) // 2b."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.policy import BASIS_CAPITATION, BASIS_GRANTED, BASIS_PER_UNIT, BASIS_PER_VISIT
from frivalg.settlements.reference import QUANTITY_ONE, SECONDS_PER_DAY, Params, Snapshot, hundredths

#: Recorded on every run: a change to the rules is a new engine version.
ENGINE_VERSION = "2026.11.1"

ABSENCE_STATUSES = ("planned", "in_progress", "cancelled_citizen", "missed")


def _half_up(numerator: ir.IntegerValue, denominator: int | ir.IntegerValue) -> ir.IntegerValue:
    return (numerator * 2 + denominator) // (denominator * 2)


def _null_int() -> ir.IntegerValue:
    return ibis.null().cast("int64")


def _lookup(column: ir.Value, mapping: dict[Any, int], default: ir.Value | None = None) -> ir.Value:
    """A small mapping as a CASE expression (null, or `default`, when absent)."""
    if not mapping:
        return default if default is not None else _null_int()
    return ibis.cases(*((column == key, value) for key, value in mapping.items()),
                      else_=default if default is not None else _null_int())


@dataclass(frozen=True)
class Tables:
    """The snapshot as Ibis tables of one backend."""

    visits: ir.Table
    rates: ir.Table
    holidays: ir.Table
    absences: ir.Table
    capitation: ir.Table
    incomes: ir.Table

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, backend: Any | None = None) -> Tables:
        """Register the Arrow tables with `backend` (a DuckDB or PySpark Ibis connection)."""
        tables = {}
        for name in ("visits", "rates", "holidays", "absences", "capitation", "incomes"):
            arrow: pa.Table = getattr(snapshot, name)
            if backend is None:
                tables[name] = ibis.memtable(arrow)
            else:
                tables[name] = backend.create_table(f"settle_{name}", arrow, overwrite=True)
        return cls(**tables)


def _band(v: ir.Table, holidays: ir.Table, params: Params) -> ir.Table:
    day = v.local_start_s // SECONDS_PER_DAY
    v = v.mutate(day=day, minute=(v.local_start_s % SECONDS_PER_DAY) // 60,
                 weekday=(day + schema.EPOCH_WEEKDAY_OFFSET) % 7)
    h = holidays.select(h_day=holidays.day, h_band=holidays.band)
    v = v.left_join(h, v.day == h.h_day).drop("h_day")
    weekend = v.weekday.isin([5, 6])
    return v.mutate(time_band=ibis.cases(
        ((v.minute < params.day_start_minute) | (v.minute >= params.night_start_minute), "night"),
        (v.h_band.notnull(), v.h_band),
        (weekend & ibis.literal(params.split_weekend) & (v.weekday == 5), "saturday"),
        (weekend & ibis.literal(params.split_weekend), "sunday"),
        (weekend, "weekend"),
        (v.minute >= params.evening_start_minute, "evening"),
        else_="day",
    )).drop("h_band", "minute", "weekday")


def _with_rate(v: ir.Table, rates: ir.Table, band: str | None, day: str, prefix: str) -> ir.Table:
    """Left-join the rate in force on `day` for the row's service, band and provider kind: the
    row's area first, then "all". Adds `{prefix}amount` and `{prefix}unit`."""
    out = v
    for label, area in (("a", None), ("b", "all")):
        r = rates.select(
            **{f"r{label}_service": rates.service_id, f"r{label}_band": rates.time_band,
               f"r{label}_area": rates.area, f"r{label}_kind": rates.provider_kind,
               f"r{label}_from": rates.valid_from_day, f"r{label}_to": rates.valid_to_day,
               f"r{label}_amount": rates.amount_minor, f"r{label}_unit": rates.unit})
        predicates = [
            out.service_id == r[f"r{label}_service"],
            (out.time_band if band is None else ibis.literal(band)) == r[f"r{label}_band"],
            (out.area if area is None else ibis.literal(area)) == r[f"r{label}_area"],
            out.provider_kind == r[f"r{label}_kind"],
            r[f"r{label}_from"] <= out[day],
            r[f"r{label}_to"].isnull() | (out[day] <= r[f"r{label}_to"]),
        ]
        out = out.left_join(r, predicates)
    out = out.mutate(**{f"{prefix}amount": ibis.coalesce(out.ra_amount, out.rb_amount),
                        f"{prefix}unit": ibis.coalesce(out.ra_unit, out.rb_unit)})
    return out.drop(*(c for c in out.columns if c[:3] in ("ra_", "rb_")))


def _overlap(v: ir.Table, key: str) -> ir.Table:
    eligible = (v.status == "done") & v[key].notnull() & v.actual_start_s.notnull() & v.actual_end_s.notnull()
    v = v.mutate(_k=ibis.ifelse(eligible, v[key], _null_int()), _e=ibis.ifelse(eligible, v.actual_end_s, _null_int()))
    running = ibis.window(group_by=v._k, order_by=[v.actual_start_s, v.visit_id], preceding=None, following=0)
    v = v.mutate(_m=v._e.max().over(running))
    v = v.mutate(_p=v._m.lag().over(ibis.window(group_by=v._k, order_by=[v.actual_start_s, v.visit_id])))
    flag = v._k.notnull() & v._p.notnull() & (v.actual_start_s < v._p)
    return v.mutate(overlap=v.overlap | flag.fill_null(False)).drop("_k", "_e", "_m", "_p")


def _absence(v: ir.Table, absences: ir.Table) -> ir.Table:
    a = absences.select(a_citizen=absences.citizen_id, a_start=absences.start_day, a_end=absences.end_day)
    candidates = v.filter(v.status.isin(ABSENCE_STATUSES)).select("visit_id", "citizen_id", "day")
    joined = candidates.join(a, [candidates.citizen_id == a.a_citizen, a.a_start <= candidates.day,
                                 a.a_end.isnull() | (candidates.day <= a.a_end)])
    starts = joined.group_by(x_visit=joined.visit_id).aggregate(absence_start=joined.a_start.max())
    return v.left_join(starts, v.visit_id == starts.x_visit).drop("x_visit")


def lines(t: Tables, params: Params) -> ir.Table:
    """One line per visit (schema.LINES plus `service_code`, `area` and `status`)."""
    policy = params.policy
    v = _band(t.visits, t.holidays, params)
    v = _with_rate(v, t.rates, None, "day", "rate_")
    v = v.mutate(overlap=ibis.literal(False))
    v = _overlap(v, "caregiver_id")
    v = _overlap(v, "citizen_id")
    v = _absence(v, t.absences)

    done = (v.status == "done") & v.actual_start_s.notnull() & v.actual_end_s.notnull()
    planned = ibis.greatest((v.planned_end_s - v.planned_start_s) // 60, 0)
    performed = ibis.ifelse(done, ibis.greatest((v.actual_end_s - v.actual_start_s) // 60, 0), 0)
    decision_ok = v.decision_granted & (v.decision_from_day <= v.day) & (
        v.decision_to_day.isnull() | (v.day <= v.decision_to_day))
    approval_ok = v.approval_from_day.notnull() & (v.approval_from_day <= v.day) & (
        v.approval_to_day.isnull() | (v.day <= v.approval_to_day))
    v = v.mutate(planned=planned, performed=performed, done=done, deviation_code=ibis.cases(
        (v.rate_amount.isnull(), "no_rate"),
        ((v.status == "done") & ~(done & (v.actual_end_s > v.actual_start_s)).fill_null(False), "bad_times"),
        (~decision_ok.fill_null(False), "no_decision"),
        (~approval_ok.fill_null(False), "no_approval"),
        (v.overlap, "overlap"),
        else_=ibis.null().cast("string"),
    ))
    accept = v.override.fill_null("") == "accept"
    reject = v.override.fill_null("") == "reject"
    is_dev = v.deviation_code.notnull() & ((v.deviation_code == "no_rate") | ~accept)

    standard = _lookup(v.service_code, dict(policy.standard_minutes))
    notice = (v.planned_start_s - v.cancelled_at_s.fill_null(v.planned_start_s)) // 60
    late = ibis.cases(*((notice < rule.within_minutes, hundredths(rule.percent)) for rule in policy.late_cancellation),
                      else_=_null_int()) if policy.late_cancellation else _null_int()
    absence_on = policy.absence is not None
    kind = ibis.cases(
        (is_dev, v.deviation_code),
        (reject, "rejected"),
        (accept & (v.deviation_code.notnull() | ~v.done), "accepted"),
        (v.done & (v.basis == BASIS_CAPITATION), "capitation_visit"),
        (v.done & (v.basis == BASIS_GRANTED), "granted"),
        (v.done & (v.basis == BASIS_PER_UNIT), "per_unit"),
        (v.done & (v.basis == BASIS_PER_VISIT) & standard.notnull(), "standard_time"),
        (v.done & (v.basis == BASIS_PER_VISIT), "per_visit"),
        (v.done, "performed_rules"),
        (v.basis == BASIS_CAPITATION, "capitation_visit"),
        (ibis.literal(absence_on) & v.status.isin(ABSENCE_STATUSES) & v.absence_start.notnull(), "absence"),
        ((v.status == "cancelled_citizen") & late.notnull(), "late_cancel"),
        (v.status == "cancelled_citizen", "cancel"),
        (v.status == "missed", "missed"),
        (v.status == "cancelled_provider", "prov_cancel"),
        else_="unverified",
    )
    v = v.mutate(kind=kind, is_dev=is_dev, standard=standard, late=late)

    if policy.absence is not None:
        index = v.day - v.absence_start
        absence_pct = ibis.cases(
            (index >= policy.absence.limit_days, 0),
            (index == 0, hundredths(policy.absence.first_day_percent)),
            else_=hundredths(policy.absence.following_days_percent),
        )
    else:
        absence_pct = ibis.literal(0)
    percent = ibis.cases(
        (v.kind.isin(["accepted", "granted"]), 10_000),
        (v.kind == "absence", absence_pct),
        (v.kind == "late_cancel", v.late),
        else_=0,
    )
    unit = policy.rounding_unit_minutes
    rounded = ((v.performed + (unit - 1)) // unit) * unit
    raised = ibis.greatest(rounded, policy.minimum_minutes)
    cap = v.planned * hundredths(policy.tolerance_percent) // 10_000
    performed_rules = v.kind == "performed_rules"
    v = v.mutate(
        payable=ibis.cases(
            (performed_rules, ibis.least(raised, cap)),
            (v.kind == "standard_time", v.standard),
            (v.kind == "per_visit", v.planned),
            else_=v.planned * percent // 10_000,
        ),
        quantity=ibis.cases(
            (v.kind.isin(["performed_rules", "standard_time", "per_visit", "per_unit"]), QUANTITY_ONE),
            else_=percent,
        ),
        reasons=ibis.cases(
            (performed_rules, (
                ibis.ifelse(rounded != v.performed, "rounded ", "")
                .concat(ibis.ifelse(rounded < policy.minimum_minutes, "minimum ", ""))
                .concat(ibis.ifelse(raised > cap, "capped ", ""))
            ).rstrip()),
            else_=v.kind,
        ),
        time_priced=(v.rate_unit == "hour").fill_null(False),
    )
    v = v.mutate(reasons=ibis.ifelse(v.reasons == "", "performed", v.reasons))
    v = v.mutate(code=ibis.cases(
        (performed_rules & (raised > cap), "capped"),
        (performed_rules & (rounded < policy.minimum_minutes), "minimum"),
        (performed_rules & (rounded != v.performed), "rounded"),
        (performed_rules, "performed"),
        else_=v.kind,
    ))

    # 5. The monthly cap per decision, in time order.
    if policy.monthly_cap_percent is not None:
        eligible = v.time_priced & ~v.is_dev
        v = v.mutate(_d=ibis.ifelse(eligible, v.decision_id, _null_int()))
        running = ibis.window(group_by=v._d, order_by=[v.planned_start_s, v.visit_id], preceding=None, following=0)
        v = v.mutate(_used=v.payable.sum().over(running) - v.payable)
        allowed = ibis.greatest(v.granted_month_minutes * hundredths(policy.monthly_cap_percent) // 10_000
                                - v._used, 0)
        cut = v._d.notnull() & (v.payable > allowed)
        v = v.mutate(payable=ibis.ifelse(cut, allowed, v.payable),
                     reasons=ibis.ifelse(cut, v.reasons.concat(" capped_month"), v.reasons),
                     code=ibis.ifelse(cut, "capped_month", v.code)).drop("_d", "_used")

    # 6–7. Amounts and the area surcharge.
    amount = ibis.ifelse(v.time_priced, _half_up(v.rate_amount.fill_null(0) * v.payable, 60),
                         _half_up(v.rate_amount.fill_null(0) * v.quantity, QUANTITY_ONE))
    surcharge = _lookup(v.area, {a: hundredths(p) for a, p in policy.area_surcharge_percent.items()},
                        ibis.literal(0))
    travel = (amount > 0) & (surcharge > 0)
    v = v.mutate(amount=ibis.ifelse(travel, _half_up(amount * (surcharge + 10_000), 10_000), amount),
                 reasons=ibis.ifelse(travel, v.reasons.concat(" travel"), v.reasons),
                 code=ibis.ifelse(travel, "travel", v.code))

    # 8. The start-up allowance.
    if policy.start_up_minor:
        eligible = v.decision_new & (v.status == "done") & (v.amount > 0) & ~v.is_dev
        v = v.mutate(_d=ibis.ifelse(eligible, v.decision_id, _null_int()))
        first = ibis.row_number().over(ibis.window(group_by=v._d, order_by=[v.planned_start_s, v.visit_id])) == 0
        startup = v._d.notnull() & first
        v = v.mutate(amount=ibis.ifelse(startup, v.amount + policy.start_up_minor, v.amount),
                     reasons=ibis.ifelse(startup, v.reasons.concat(" startup"), v.reasons),
                     code=ibis.ifelse(startup, "startup", v.code)).drop("_d")

    return v.select(
        visit_id=v.visit_id, decision_id=v.decision_id, citizen_id=v.citizen_id, provider_id=v.provider_id,
        service_id=v.service_id, time_band=v.time_band, planned_minutes=v.planned,
        performed_minutes=v.performed,
        payable_minutes=ibis.ifelse(v.time_priced, v.payable, 0).cast("int64"),
        quantity=ibis.ifelse(v.time_priced, 0, v.quantity).cast("int64"),
        unit_price_minor=v.rate_amount.fill_null(0), amount_minor=v.amount.cast("int64"),
        reason_code=v.code,
        reasons=v.reasons, deviation=v.is_dev, service_code=v.service_code,
    )


def capitation_lines(t: Tables, params: Params) -> ir.Table:
    c = t.capitation.mutate(time_band=ibis.literal("day"), day=t.capitation.from_day)
    c = _with_rate(c, t.rates, "day", "day", "rate_")
    ages = sorted(params.policy.capitation_age_percent, key=lambda a: a.from_age, reverse=True)
    age_h = ibis.cases(*((c.age >= a.from_age, hundredths(a.percent)) for a in ages), else_=10_000)
    share = (c.to_day - c.from_day + 1).cast("int64") * age_h
    denominator = params.month_days * 10_000
    missing = c.rate_amount.isnull()
    return c.select(
        visit_id=_null_int(), decision_id=c.decision_id, citizen_id=c.citizen_id, provider_id=c.provider_id,
        service_id=c.service_id, time_band=c.time_band, planned_minutes=ibis.literal(0, "int64"),
        performed_minutes=ibis.literal(0, "int64"), payable_minutes=ibis.literal(0, "int64"),
        quantity=ibis.ifelse(missing, 0, QUANTITY_ONE * share // denominator).cast("int64"),
        unit_price_minor=c.rate_amount.fill_null(0),
        amount_minor=ibis.ifelse(missing, 0, _half_up(c.rate_amount.fill_null(0) * share, denominator)).cast("int64"),
        reason_code=ibis.ifelse(missing, "no_rate", "capitation"),
        reasons=ibis.ifelse(missing, "no_rate", "capitation"), deviation=missing, service_code=c.service_code,
    )


def all_lines(t: Tables, params: Params) -> ir.Table:
    return lines(t, params).union(capitation_lines(t, params))


def bills(all_: ir.Table, t: Tables, params: Params) -> ir.Table:
    fees = params.policy.co_payment
    paid = all_.filter(~all_.deviation & (all_.amount_minor > 0))
    hour_fee = _lookup(paid.service_code, dict(fees.per_hour_minor))
    unit_fee = _lookup(paid.service_code, dict(fees.per_unit_minor))
    timed = hour_fee.notnull() & (paid.payable_minutes != 0)
    counted = unit_fee.notnull() & (paid.quantity != 0)
    p = paid.mutate(
        m=ibis.ifelse(timed, paid.payable_minutes, 0), tf=ibis.ifelse(timed, paid.payable_minutes * hour_fee, 0),
        u=ibis.ifelse(counted, paid.quantity, 0), uf=ibis.ifelse(counted, paid.quantity * unit_fee, 0),
        n=ibis.ifelse(timed | counted, 1, 0),
    )
    g = p.group_by("citizen_id").aggregate(minutes=p.m.sum(), time_fee=p.tf.sum(), units=p.u.sum(),
                                           unit_fee=p.uf.sum(), contributing=p.n.sum())
    g = g.filter(g.contributing > 0)
    incomes = t.incomes.select(i_citizen=t.incomes.citizen_id, income=t.incomes.income_minor)
    g = g.left_join(incomes, g.citizen_id == incomes.i_citizen)
    fee = _half_up(g.time_fee, 60) + _half_up(g.unit_fee, QUANTITY_ONE)
    if fees.brackets:
        missing = fees.brackets[-1 if fees.no_income_last else 0].monthly_cap_minor
        cap = ibis.cases(
            (g.income.isnull(), missing),
            *((g.income <= b.income_up_to_minor, b.monthly_cap_minor) for b in fees.brackets
              if b.income_up_to_minor is not None),
            else_=fees.brackets[-1].monthly_cap_minor,
        )
    else:
        cap = _null_int()
    return g.select(
        citizen_id=g.citizen_id, minutes=g.minutes.cast("int64"), units=g.units.cast("int64"),
        fee_minor=fee.cast("int64"), cap_minor=cap.cast("int64"),
        amount_minor=ibis.ifelse(cap.isnull(), fee, ibis.least(fee, cap)).cast("int64"),
    )


def run(snapshot: Snapshot, backend: Any | None = None) -> tuple[pa.Table, pa.Table]:
    """Lines and bills as Arrow, in the reference's order, computed by `backend` (an Ibis
    connection; a fresh in-memory DuckDB when None)."""
    con = backend if backend is not None else ibis.duckdb.connect()
    return run_tables(Tables.from_snapshot(snapshot, con), snapshot.params, con)


def run_tables(t: Tables, params: Params, con: Any) -> tuple[pa.Table, pa.Table]:
    """The same over tables already in the backend (e.g. `con.read_parquet(...)`). The lines are
    materialised in the backend once; the bills are computed from them there."""
    computed = con.create_table("settle_lines", all_lines(t, params), overwrite=True)
    ordered = computed.order_by([computed.visit_id.isnull(), computed.visit_id, computed.decision_id,
                                 computed.provider_id])
    line_table = con.to_pyarrow(ordered.drop("service_code")).cast(schema.LINES)
    bill_table = con.to_pyarrow(bills(computed, t, params).order_by("citizen_id")).cast(schema.BILLS)
    return line_table, bill_table


def totals(t: Tables, params: Params, con: Any) -> pa.Table:
    """Totals per provider (amount, lines, deviations) without bringing the lines out of the
    backend: what a benchmark of snapshot → lines → totals measures."""
    computed = con.create_table("settle_lines", all_lines(t, params), overwrite=True)
    summary = computed.group_by("provider_id").aggregate(
        amount_minor=computed.amount_minor.sum(), lines=computed.count(),
        deviations=computed.deviation.cast("int64").sum())
    return con.to_pyarrow(summary.order_by("provider_id"))
