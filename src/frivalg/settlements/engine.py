"""The settlement engine: the rules of reference.py as Ibis expressions, so the same definition
runs on DuckDB (embedded, the default) and on PySpark (scale-out), over a snapshot's Arrow
tables. It never loops over rows in Python: every step is a column expression, a join or a
window. Differential tests hold it equal to the reference, line by line, to the øre.

Integer arithmetic throughout: Ibis compiles `a // b` to FLOOR(a / b), exact while the operands
stay below 2^53 (amounts here are below 10^13). Rounding half up is (2a + b) // 2b."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.policy import BASIS_CAPITATION, BASIS_GRANTED, BASIS_PER_UNIT, BASIS_PER_VISIT
from frivalg.settlements.reference import QUANTITY_ONE, SECONDS_PER_DAY, Params, Snapshot, hundredths

#: Recorded on every run: a change to the rules is a new engine version.
ENGINE_VERSION = "2026.11.3"

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


def _band_of(t: ir.Table, local: str, holidays: ir.Table, params: Params, out: str) -> ir.Table:
    """Add column `out`: the time band of the local wall-clock seconds in column `local`."""
    day = t[local] // SECONDS_PER_DAY
    t = t.mutate(_bday=day, _bminute=(t[local] % SECONDS_PER_DAY) // 60,
                 _bweekday=(day + schema.EPOCH_WEEKDAY_OFFSET) % 7)
    h = holidays.select(_hday=holidays.day, _hband=holidays.band)
    t = t.left_join(h, t._bday == h._hday).drop("_hday")
    weekend = t._bweekday.isin([5, 6])
    return t.mutate(**{out: ibis.cases(
        ((t._bminute < params.day_start_minute) | (t._bminute >= params.night_start_minute), "night"),
        (t._hband.notnull(), t._hband),
        (weekend & ibis.literal(params.split_weekend) & (t._bweekday == 5), "saturday"),
        (weekend & ibis.literal(params.split_weekend), "sunday"),
        (weekend, "weekend"),
        (t._bminute >= params.evening_start_minute, "evening"),
        else_="day",
    )}).drop("_hband", "_bday", "_bminute", "_bweekday")


def _band(v: ir.Table, holidays: ir.Table, params: Params) -> ir.Table:
    v = v.mutate(day=v.local_start_s // SECONDS_PER_DAY)
    return _band_of(v, "local_start_s", holidays, params, "time_band")


def _crossing_parts(v: ir.Table, t: Tables, params: Params, max_days: int) -> ir.Table:
    """Minutes per band of the visits that cross a band boundary (reference.band_parts): the
    boundaries inside each visit (midnight and the three clock times of each day it touches)
    cut it into stretches; each stretch's minutes go to the band of its start. Returns
    (p_visit, p_band, p_minutes, p_first)."""
    minutes = ibis.greatest((v.planned_end_s - v.planned_start_s) // 60, 0)
    tod = v.local_start_s % SECONDS_PER_DAY
    clock = [params.day_start_minute * 60, params.evening_start_minute * 60, params.night_start_minute * 60]
    following = ibis.cases((tod < clock[0], clock[0]), (tod < clock[1], clock[1]), (tod < clock[2], clock[2]),
                           else_=SECONDS_PER_DAY)
    end = v.local_start_s + minutes * 60
    c = v.filter((minutes > 0) & (v.local_start_s - tod + following < end))
    c = c.select(p_visit=c.visit_id, ls=c.local_start_s, le=c.local_start_s + minutes * 60,
                 d0=c.local_start_s // SECONDS_PER_DAY)
    offsets = ibis.memtable(pa.table({"off": pa.array(
        [k * SECONDS_PER_DAY + o for k in range(max_days + 1) for o in (0, *clock)], pa.int64())}))
    inside = c.cross_join(offsets)
    inside = inside.mutate(b=inside.d0 * SECONDS_PER_DAY + inside.off)
    inside = inside.filter((inside.b > inside.ls) & (inside.b < inside.le)).select("p_visit", "ls", "le", "b")
    points = c.select("p_visit", "ls", "le", b=c.ls).union(inside)
    ordered = ibis.window(group_by=points.p_visit, order_by=points.b)
    points = points.mutate(stop=points.b.lead().over(ordered).fill_null(points.le))
    points = points.mutate(n=(points.stop - points.ls + 59) // 60 - (points.b - points.ls + 59) // 60)
    points = _band_of(points, "b", t.holidays, params, "p_band")
    parts = points.group_by(["p_visit", "p_band"]).aggregate(p_minutes=points.n.sum(), p_first=points.b.min())
    return parts.filter(parts.p_minutes > 0)


def _apply_crossing(v: ir.Table, t: Tables, params: Params, max_days: int) -> ir.Table:
    """`majority`: the band of most minutes (ties: the earliest). `split`: `weighted` = Σ rate ×
    minutes over the parts, and `part_missing` when a part has no rate."""
    parts = _crossing_parts(v, t, params, max_days)
    if params.crossing_rule == "majority":
        rank = ibis.row_number().over(ibis.window(group_by=parts.p_visit,
                                                  order_by=[parts.p_minutes.desc(), parts.p_first]))
        chosen = parts.filter(rank == 0).select(m_visit=parts.p_visit, m_band=parts.p_band)
        v = v.left_join(chosen, v.visit_id == chosen.m_visit)
        return v.mutate(time_band=ibis.coalesce(v.m_band, v.time_band)).drop("m_visit", "m_band")
    keys = v.select(k_visit=v.visit_id, service_id=v.service_id, area=v.area, provider_kind=v.provider_kind,
                    day=v.day)
    priced = parts.join(keys, parts.p_visit == keys.k_visit).mutate(time_band=parts.p_band)
    priced = _with_rate(priced, t.rates, None, "day", "part_")
    weights = priced.group_by(w_visit=priced.p_visit).aggregate(
        weighted=(priced.part_amount.fill_null(0) * priced.p_minutes).sum(),
        part_missing=priced.part_amount.isnull().cast("int64").sum() > 0,
        part_count=priced.count())
    weights = weights.filter(weights.part_count > 1)
    v = v.left_join(weights.drop("part_count"), v.visit_id == weights.w_visit).drop("w_visit")
    return v.mutate(part_missing=v.part_missing.fill_null(False))


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


def _time_order(seconds: ir.IntegerValue, visit_id: ir.IntegerValue) -> ir.IntegerValue:
    """One int64 sort key for "by time, then id" (seconds since 1970 below 10^10 and visit ids
    below 10^9 keep it exact): a window sorts one key faster than two."""
    return seconds * 1_000_000_000 + visit_id


def _overlapping(v: ir.Table, key: str) -> ir.Table:
    """Ids of done visits that start before an earlier done visit (by check-in, then id) of the
    same caregiver or citizen ended: one window over four narrow columns of the done visits."""
    n = v.filter((v.status == "done") & v[key].notnull() & v.actual_start_s.notnull() & v.actual_end_s.notnull())
    n = n.select(o_visit=n.visit_id, k=n[key], s=n.actual_start_s, e=n.actual_end_s)
    earlier = ibis.window(group_by=n.k, order_by=_time_order(n.s, n.o_visit), rows=(None, -1))
    n = n.mutate(p=n.e.max().over(earlier))
    return n.filter(n.p.notnull() & (n.s < n.p)).select("o_visit")


def _with_overlap(v: ir.Table, visits: ir.Table, stage: Stage) -> ir.Table:
    flagged = stage(_overlapping(visits, "caregiver_id").union(_overlapping(visits, "citizen_id"), distinct=True),
                    "settle_overlaps")
    v = v.left_join(flagged, v.visit_id == flagged.o_visit)
    return v.mutate(overlap=v.o_visit.notnull()).drop("o_visit")


def _absence(v: ir.Table, absences: ir.Table) -> ir.Table:
    a = absences.select(a_citizen=absences.citizen_id, a_start=absences.start_day, a_end=absences.end_day)
    candidates = v.filter(v.status.isin(ABSENCE_STATUSES)).select("visit_id", "citizen_id", "day")
    joined = candidates.join(a, [candidates.citizen_id == a.a_citizen, a.a_start <= candidates.day,
                                 a.a_end.isnull() | (candidates.day <= a.a_end)])
    starts = joined.group_by(x_visit=joined.visit_id).aggregate(absence_start=joined.a_start.max())
    return v.left_join(starts, v.visit_id == starts.x_visit).drop("x_visit")


Stage = Callable[[ir.Table, str], ir.Table]


def _no_stage(table: ir.Table, _name: str) -> ir.Table:
    return table


def staging(con: Any) -> Stage:
    """Materialise an intermediate result as a temporary table of `con`, so that the steps after
    it (several of which read it) do not recompute it."""
    def stage(table: ir.Table, name: str) -> ir.Table:
        return con.create_table(name, table, temp=True, overwrite=True)
    return stage


def lines(t: Tables, params: Params, stage: Stage = _no_stage, max_days: int = 2) -> ir.Table:
    """One line per visit (schema.LINES plus `service_code`). `stage` may materialise the
    per-visit result before the windows that read it."""
    policy = params.policy
    v = _band(t.visits, t.holidays, params)
    if params.crossing_rule == "majority":
        v = _apply_crossing(v, t, params, max_days)
    v = _with_rate(v, t.rates, None, "day", "rate_")
    if params.crossing_rule == "split":
        v = _apply_crossing(v, t, params, max_days)
        v = v.mutate(rate_amount=ibis.ifelse(v.part_missing, _null_int(), v.rate_amount),
                     rate_unit=ibis.ifelse(v.part_missing, ibis.null().cast("string"), v.rate_unit))
    else:
        v = v.mutate(weighted=_null_int())
    v = _with_overlap(v, t.visits, stage)
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
        r_rounded=performed_rules & (rounded != v.performed),
        r_minimum=performed_rules & (rounded < policy.minimum_minutes),
        r_capped=performed_rules & (raised > cap),
        time_priced=(v.rate_unit == "hour").fill_null(False),
    )
    # The reasons are flags until the end, where they become one string.
    v = v.mutate(base_code=ibis.cases(
        (v.r_capped, "capped"), (v.r_minimum, "minimum"), (v.r_rounded, "rounded"),
        (performed_rules, "performed"), else_=v.kind,
    ), r_month=ibis.literal(False), r_travel=ibis.literal(False), r_startup=ibis.literal(False))

    # 5. The monthly cap per decision, in time order: a window over the eligible lines' narrow
    #    columns; only the lines it cuts are joined back.
    if policy.monthly_cap_percent is not None:
        e = v.filter(v.time_priced & ~v.is_dev)
        e = e.select(c_visit=e.visit_id, d=e.decision_id, ps=e.planned_start_s, pay=e.payable,
                     lim=e.granted_month_minutes * hundredths(policy.monthly_cap_percent) // 10_000)
        # Only a decision whose lines together pass its limit can have a line cut: an aggregate
        # finds them, and the window sorts their lines only.
        sums = e.group_by(o_d=e.d).aggregate(o_total=e.pay.sum(), o_limit=e.lim.max())
        over = sums.filter(sums.o_total > sums.o_limit)
        e = e.semi_join(over, e.d == over.o_d)
        earlier = ibis.window(group_by=e.d, order_by=_time_order(e.ps, e.c_visit), rows=(None, -1))
        e = e.mutate(used=e.pay.sum().over(earlier).fill_null(0))
        e = e.mutate(allowed=ibis.greatest(e.lim - e.used, 0))
        cuts = e.filter(e.pay > e.allowed).select("c_visit", "allowed")
        v = v.left_join(cuts, v.visit_id == cuts.c_visit)
        cut = v.c_visit.notnull()
        v = v.mutate(payable=ibis.ifelse(cut, v.allowed, v.payable), r_month=cut).drop("c_visit", "allowed")

    # 6–7. Amounts and the area surcharge.
    amount = ibis.cases(
        (v.time_priced & v.weighted.notnull(), _half_up(v.weighted * v.payable, v.planned * 60)),
        (v.time_priced, _half_up(v.rate_amount.fill_null(0) * v.payable, 60)),
        else_=_half_up(v.rate_amount.fill_null(0) * v.quantity, QUANTITY_ONE),
    )
    surcharge = _lookup(v.area, {a: hundredths(p) for a, p in policy.area_surcharge_percent.items()},
                        ibis.literal(0))
    travel = (amount > 0) & (surcharge > 0)
    v = v.mutate(amount=ibis.ifelse(travel, _half_up(amount * (surcharge + 10_000), 10_000), amount),
                 r_travel=travel)

    # 8. The start-up allowance: each new decision's first paid done visit, found by aggregation
    #    (visit ids below 10^9 keep the key exact in int64).
    if policy.start_up_minor:
        e = v.filter(v.decision_new & (v.status == "done") & (v.amount > 0) & ~v.is_dev)
        firsts = e.group_by(s_decision=e.decision_id).aggregate(
            s_visit=e.visit_id.argmin(_time_order(e.planned_start_s, e.visit_id)))
        v = v.left_join(firsts.select("s_visit"), v.visit_id == firsts.s_visit)
        startup = v.s_visit.notnull()
        v = v.mutate(amount=ibis.ifelse(startup, v.amount + policy.start_up_minor, v.amount),
                     r_startup=startup).drop("s_visit")

    return v.select(
        visit_id=v.visit_id, decision_id=v.decision_id, citizen_id=v.citizen_id, provider_id=v.provider_id,
        service_id=v.service_id, time_band=v.time_band, planned_minutes=v.planned,
        performed_minutes=v.performed,
        payable_minutes=ibis.ifelse(v.time_priced, v.payable, 0).cast("int64"),
        quantity=ibis.ifelse(v.time_priced, 0, v.quantity).cast("int64"),
        unit_price_minor=v.rate_amount.fill_null(0), amount_minor=v.amount.cast("int64"),
        reason_code=ibis.cases((v.r_startup, "startup"), (v.r_travel, "travel"), (v.r_month, "capped_month"),
                               else_=v.base_code),
        reasons=ibis.literal(" ").join([
            ibis.ifelse(v.r_rounded | v.r_minimum | v.r_capped, None, v.base_code),
            ibis.ifelse(v.r_rounded, "rounded", None), ibis.ifelse(v.r_minimum, "minimum", None),
            ibis.ifelse(v.r_capped, "capped", None), ibis.ifelse(v.r_month, "capped_month", None),
            ibis.ifelse(v.r_travel, "travel", None), ibis.ifelse(v.r_startup, "startup", None),
        ]),
        deviation=v.is_dev, service_code=v.service_code,
    )


def capitation_lines(t: Tables, params: Params) -> ir.Table:
    c = t.capitation.mutate(time_band=ibis.literal("day"), day=t.capitation.from_day)
    c = _with_rate(c, t.rates, "day", "day", "rate_")
    ages = sorted(params.policy.capitation_age_percent, key=lambda a: a.from_age, reverse=True)
    age_h = ibis.cases(*((c.age >= a.from_age, hundredths(a.percent)) for a in ages), else_=10_000)
    share = (c.to_day.cast("int64") - c.from_day.cast("int64") + 1) * age_h
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


def all_lines(t: Tables, params: Params, stage: Stage = _no_stage, max_days: int = 2) -> ir.Table:
    return lines(t, params, stage, max_days).union(capitation_lines(t, params))


def max_days(t: Tables, params: Params, con: Any) -> int:
    """How many midnights the longest visit crosses (0 when the crossing rule is `start`)."""
    if params.crossing_rule == "start":
        return 0
    v = t.visits
    minutes = ibis.greatest((v.planned_end_s - v.planned_start_s) // 60, 0)
    span = ((v.local_start_s + minutes * 60) // SECONDS_PER_DAY - v.local_start_s // SECONDS_PER_DAY).max()
    value = con.execute(span)
    return int(value) if value is not None and value == value else 0


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


def _stage_for(con: Any) -> Stage:
    """DuckDB: temporary tables. Other backends (Spark) plan the whole expression at once."""
    return staging(con) if getattr(con, "name", "") == "duckdb" else _no_stage


def run_tables(t: Tables, params: Params, con: Any) -> tuple[pa.Table, pa.Table]:
    """The same over tables already in the backend (e.g. `con.read_parquet(...)`). The lines are
    materialised in the backend once; the bills are computed from them there."""
    computed = con.create_table("settle_lines", all_lines(t, params, _stage_for(con),
                                                           max_days(t, params, con)), overwrite=True)
    ordered = computed.order_by([computed.visit_id.isnull(), computed.visit_id, computed.decision_id,
                                 computed.provider_id])
    line_table = con.to_pyarrow(ordered.drop("service_code")).cast(schema.LINES)
    bill_table = con.to_pyarrow(bills(computed, t, params).order_by("citizen_id")).cast(schema.BILLS)
    return line_table, bill_table


def totals(t: Tables, params: Params, con: Any) -> pa.Table:
    """Totals per provider (amount, lines, deviations) computed from the lines as they stream out
    of the engine, never stored nor brought out of the backend: what a benchmark of snapshot →
    lines → totals measures."""
    computed = all_lines(t, params, _stage_for(con), max_days(t, params, con))
    summary = computed.group_by("provider_id").aggregate(
        amount_minor=computed.amount_minor.sum(), lines=computed.count(),
        deviations=computed.deviation.cast("int64").sum())
    return con.to_pyarrow(summary.order_by("provider_id"))
