"""The settlement rules, once, as plain Python over a snapshot: the readable definition of what a
visit pays and the oracle the columnar engine (engine.py) is tested against, line by line and to
the øre. It loops over rows; the engine never does. Pure: no Django.

A line is computed in this order (each rule that changes it adds its reason code):

1. **Time band** of the planned local start: night before daytime starts or from night start;
   otherwise a holiday or extra day's band, then Saturday / Sunday (or one weekend band), then
   evening from evening start, else day. A visit crossing a band boundary keeps its start band
   (`start`), takes the band of most of its minutes (`majority`; ties: the earliest), or is
   priced per band (`split`): Σ rate × minutes in each band ÷ all minutes × payable minutes ÷ 60,
   rounded once; its line shows the start band and rate.
2. **Rate** in force on the local day for the service, band and provider kind — the citizen's
   area first, then "all". None: deviation `no_rate`.
3. **Deviations** (paid 0, listed on the run): a done visit without a check-out after its
   check-in (`bad_times`); the decision is not granted or not in force that day
   (`no_decision`); the provider has no approval in force for the service (`no_approval`); a
   done visit starts before an earlier done visit of the same caregiver or citizen ended
   (`overlap`, the later one). A human `reject` pays 0 (`rejected`); `accept` pays a deviation
   or an unverified visit its planned time (`accepted`).
4. **By status and payment basis.** Done: performed time (checked out − in, whole minutes)
   rounded up to the unit (`rounded`), raised to the minimum (`minimum`), capped at planned ×
   tolerance (`capped`), else `performed`; granted time pays planned (`granted`); per visit pays
   standard minutes (`standard_time`) or one visit (`per_visit`); per unit one unit
   (`per_unit`); capitation visits 0 (`capitation_visit`). Not done, during an unplanned absence
   with an absence rule: planned × first-day or following-days percent up to the limit
   (`absence`). Cancelled by the citizen: planned × the late-cancellation percent of the first
   window holding the notice (`late_cancel`) or 0 (`cancel`). Missed (`missed`), cancelled by
   the provider (`prov_cancel`) and not checked out (`unverified`): 0.
5. **Monthly cap** (time-priced lines of a decision, in order of planned start then visit):
   payable minutes beyond granted minutes × cap percent are cut (`capped_month`) on the visit
   that crosses it and every later one.
6. **Amount**: hourly rate × payable minutes ÷ 60, or unit price × quantity ÷ 10 000, rounded
   once, half up, to whole øre/öre.
7. **Area surcharge**: amount × (100 % + the area's percent), rounded half up (`travel`).
8. **Start-up allowance** on the first paid done visit of a decision that starts in the period
   (`startup`).

Capitation lines: monthly rate × days in force ÷ days in the month × age percent, rounded half
up. Co-payment per citizen: Σ payable minutes × hourly fee ÷ 60 and Σ quantity × unit fee ÷ 10 000
(each rounded once), capped at the citizen's income bracket's monthly cap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.policy import BASIS_CAPITATION, BASIS_GRANTED, BASIS_PER_UNIT, BASIS_PER_VISIT, Policy

QUANTITY_ONE = schema.QUANTITY_ONE
SECONDS_PER_DAY = schema.SECONDS_PER_DAY

NIGHT, DAY, EVENING, WEEKEND, SATURDAY, SUNDAY = "night", "day", "evening", "weekend", "saturday", "sunday"
UNIT_HOUR = "hour"

#: Every reason code a line can carry (settlements.models.ReasonCode; a test keeps them equal).
REASONS = (
    "performed", "rounded", "minimum", "capped", "granted", "standard_time", "per_visit", "per_unit",
    "capitation_visit", "capitation", "absence", "late_cancel", "cancel", "missed", "prov_cancel", "unverified",
    "accepted", "rejected", "no_rate", "bad_times", "no_decision", "no_approval", "overlap", "capped_month", "travel",
    "startup",
)
DEVIATIONS = frozenset({"no_rate", "bad_times", "no_decision", "no_approval", "overlap"})


def half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half up, for numerator ≥ 0 and denominator > 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def hundredths(percent: Decimal) -> int:
    """A percent with at most two decimals as whole hundredths (125.5 % → 12 550)."""
    return int(percent * 100)


@dataclass(frozen=True)
class Params:
    """Everything but the tables: the time-band scheme (minutes of the day), the month, the policy."""

    day_start_minute: int = 7 * 60
    evening_start_minute: int = 15 * 60
    night_start_minute: int = 23 * 60
    split_weekend: bool = False
    crossing_rule: str = "start"  # start | majority | split (catalogue.rules.CROSSING_RULES)
    month_first_day: int = 0  # days since the epoch
    month_days: int = 30
    policy: Policy = field(default_factory=Policy)


@dataclass(frozen=True)
class Snapshot:
    visits: pa.Table
    rates: pa.Table
    holidays: pa.Table
    absences: pa.Table
    capitation: pa.Table
    incomes: pa.Table
    params: Params

    @classmethod
    def empty(cls, params: Params) -> Snapshot:
        return cls(visits=schema.VISITS.empty_table(), rates=schema.RATES.empty_table(),
                   holidays=schema.HOLIDAYS.empty_table(), absences=schema.ABSENCES.empty_table(),
                   capitation=schema.CAPITATION.empty_table(), incomes=schema.INCOMES.empty_table(), params=params)


def band_of(local_s: int, holidays: Mapping[int, str], params: Params) -> str:
    day = local_s // SECONDS_PER_DAY
    minute = (local_s % SECONDS_PER_DAY) // 60
    if minute < params.day_start_minute or minute >= params.night_start_minute:
        return NIGHT
    if day in holidays:
        return holidays[day]
    weekday = (day + schema.EPOCH_WEEKDAY_OFFSET) % 7
    if weekday in (5, 6):
        if params.split_weekend:
            return SATURDAY if weekday == 5 else SUNDAY
        return WEEKEND
    if minute >= params.evening_start_minute:
        return EVENING
    return DAY


def band_parts(local_s: int, minutes: int, holidays: Mapping[int, str], params: Params) -> list[tuple[str, int]]:
    """The visit's whole minutes per band, in order of each band's first minute. Minute k (from
    the planned local start) counts in the band of its first second; a band can only change at
    midnight or at the scheme's three clock times, so the minutes are counted per stretch
    between those points. Wall-clock time inside the visit is the start plus elapsed time (the
    bands' clock times never meet a DST change, which happens at night)."""
    end = local_s + 60 * minutes
    offsets = (0, params.day_start_minute * 60, params.evening_start_minute * 60, params.night_start_minute * 60)
    points = [local_s, *sorted(
        day * SECONDS_PER_DAY + offset
        for day in range(local_s // SECONDS_PER_DAY, end // SECONDS_PER_DAY + 1)
        for offset in offsets
        if local_s < day * SECONDS_PER_DAY + offset < end
    )]
    parts: dict[str, int] = {}
    for start, stop in zip(points, [*points[1:], end], strict=True):
        count = (stop - local_s + 59) // 60 - (start - local_s + 59) // 60
        band = band_of(start, holidays, params)
        parts[band] = parts.get(band, 0) + count
    return [(band, count) for band, count in parts.items() if count > 0]


def _in(day: int, first: int | None, last: int | None) -> bool:
    return first is not None and first <= day and (last is None or day <= last)


class _Rates:
    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.by_key: dict[tuple[int, str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            self.by_key[(row["service_id"], row["time_band"], row["area"], row["provider_kind"])].append(row)

    def find(self, service_id: int, band: str, area: str, kind: str, day: int) -> Mapping[str, Any] | None:
        for candidate in (area, "all"):
            for row in self.by_key.get((service_id, band, candidate, kind), ()):
                if _in(day, row["valid_from_day"], row["valid_to_day"]):
                    return row
        return None


def _overlaps(visits: list[dict[str, Any]], key: str) -> set[int]:
    """Done visits that start before an earlier done visit (by check-in, then id) of the same
    caregiver or citizen ended."""
    found: set[int] = set()
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in visits:
        if v["status"] == "done" and v[key] is not None and v["actual_start_s"] is not None \
                and v["actual_end_s"] is not None:
            groups[v[key]].append(v)
    for rows in groups.values():
        rows.sort(key=lambda v: (v["actual_start_s"], v["visit_id"]))
        latest_end: int | None = None
        for v in rows:
            if latest_end is not None and v["actual_start_s"] < latest_end:
                found.add(v["visit_id"])
            latest_end = v["actual_end_s"] if latest_end is None else max(latest_end, v["actual_end_s"])
    return found


def _absence_start(absences: Mapping[int, list[tuple[int, int | None]]], citizen: int, day: int) -> int | None:
    starts = [start for start, end in absences.get(citizen, ()) if _in(day, start, end)]
    return max(starts) if starts else None


def _visit_line(v: dict[str, Any], rate: Mapping[str, Any] | None, band: str, overlap: bool,
                absence_start: int | None, params: Params) -> dict[str, Any]:
    """Steps 3–4 for one visit: payable minutes or quantity and the reasons, before the cap."""
    policy = params.policy
    day = v["local_start_s"] // SECONDS_PER_DAY
    planned = max(0, (v["planned_end_s"] - v["planned_start_s"]) // 60)
    done = v["status"] == "done" and v["actual_start_s"] is not None and v["actual_end_s"] is not None
    performed = max(0, (v["actual_end_s"] - v["actual_start_s"]) // 60) if done else 0
    line = {"time_band": band, "planned_minutes": planned, "performed_minutes": performed, "payable_minutes": 0,
            "quantity": 0, "unit_price_minor": rate["amount_minor"] if rate else 0,
            "time_priced": rate is not None and rate["unit"] == UNIT_HOUR, "reasons": [], "deviation": False}
    reasons: list[str] = line["reasons"]

    def pay(percent_h: int, reason: str) -> dict[str, Any]:
        line["payable_minutes"] = planned * percent_h // 10_000
        line["quantity"] = QUANTITY_ONE * percent_h // 10_000
        reasons.append(reason)
        return line

    deviation = None
    if rate is None:
        deviation = "no_rate"
    elif v["status"] == "done" and not (done and v["actual_end_s"] > v["actual_start_s"]):
        deviation = "bad_times"
    elif not (v["decision_granted"] and _in(day, v["decision_from_day"], v["decision_to_day"])):
        deviation = "no_decision"
    elif not _in(day, v["approval_from_day"], v["approval_to_day"]):
        deviation = "no_approval"
    elif overlap:
        deviation = "overlap"
    if deviation == "no_rate" or (deviation and v["override"] != "accept"):
        line["deviation"] = True
        reasons.append(deviation)
        return line
    if v["override"] == "reject":
        reasons.append("rejected")
        return line
    if v["override"] == "accept" and (deviation or not done):
        return pay(10_000, "accepted")
    basis = v["basis"]
    if done:
        if basis == BASIS_CAPITATION:
            reasons.append("capitation_visit")
        elif basis == BASIS_GRANTED:
            pay(10_000, "granted")
        elif basis == BASIS_PER_UNIT:
            line["quantity"] = QUANTITY_ONE
            reasons.append("per_unit")
        elif basis == BASIS_PER_VISIT:
            standard = policy.standard_minutes.get(v["service_code"])
            line["quantity"] = QUANTITY_ONE
            if standard is not None:
                line["payable_minutes"] = standard
                reasons.append("standard_time")
            else:
                line["payable_minutes"] = planned
                reasons.append("per_visit")
        else:
            _performed(line, planned, performed, policy)
        return line
    if basis == BASIS_CAPITATION:
        reasons.append("capitation_visit")
        return line
    status = v["status"]
    if status in ("planned", "in_progress", "cancelled_citizen", "missed") and policy.absence is not None \
            and absence_start is not None:
        index = day - absence_start
        rule = policy.absence
        if index >= rule.limit_days:
            return pay(0, "absence")
        return pay(hundredths(rule.first_day_percent if index == 0 else rule.following_days_percent), "absence")
    if status == "cancelled_citizen":
        cancelled = v["cancelled_at_s"] if v["cancelled_at_s"] is not None else v["planned_start_s"]
        percent = policy.late_percent((v["planned_start_s"] - cancelled) // 60)
        if percent is None:
            reasons.append("cancel")
            return line
        return pay(hundredths(percent), "late_cancel")
    reasons.append({"missed": "missed", "cancelled_provider": "prov_cancel"}.get(status, "unverified"))
    return line


def _performed(line: dict[str, Any], planned: int, performed: int, policy: Policy) -> None:
    unit = policy.rounding_unit_minutes
    rounded = -(-performed // unit) * unit
    payable = max(rounded, policy.minimum_minutes)
    cap = planned * hundredths(policy.tolerance_percent) // 10_000
    reasons: list[str] = line["reasons"]
    if rounded != performed:
        reasons.append("rounded")
    if rounded < policy.minimum_minutes:
        reasons.append("minimum")
    if payable > cap:
        payable = cap
        reasons.append("capped")
    if not reasons:
        reasons.append("performed")
    line["payable_minutes"] = payable
    line["quantity"] = QUANTITY_ONE


def settle(snapshot: Snapshot) -> tuple[pa.Table, pa.Table]:
    """The lines (one per visit, then one per capitation row) and the citizens' co-payment bills,
    sorted by visit id / decision and provider, and by citizen."""
    params = snapshot.params
    policy = params.policy
    holidays = {row["day"]: row["band"] for row in snapshot.holidays.to_pylist()}
    rates = _Rates(snapshot.rates.to_pylist())
    absences: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for row in snapshot.absences.to_pylist():
        absences[row["citizen_id"]].append((row["start_day"], row["end_day"]))
    visits = snapshot.visits.to_pylist()
    overlapping = _overlaps(visits, "caregiver_id") | _overlaps(visits, "citizen_id")

    lines: list[dict[str, Any]] = []
    for v in visits:
        day = v["local_start_s"] // SECONDS_PER_DAY
        band = band_of(v["local_start_s"], holidays, params)
        minutes = max(0, (v["planned_end_s"] - v["planned_start_s"]) // 60)
        parts = band_parts(v["local_start_s"], minutes, holidays, params) \
            if params.crossing_rule != "start" and minutes > 0 else [(band, minutes)]
        if params.crossing_rule == "majority":
            band = max(parts, key=lambda part: part[1])[0]  # ties: the earliest band (max keeps the first)
        rate = rates.find(v["service_id"], band, v["area"], v["provider_kind"], day)
        weighted = None
        if params.crossing_rule == "split" and len(parts) > 1 and rate is not None:
            found = [rates.find(v["service_id"], b, v["area"], v["provider_kind"], day) for b, _m in parts]
            part_rates = [r for r in found if r is not None]
            if len(part_rates) < len(parts):
                rate = None  # a part without a rate: the visit has no price
            else:
                weighted = sum(r["amount_minor"] * m for r, (_b, m) in zip(part_rates, parts, strict=True))
        line = _visit_line(v, rate, band, v["visit_id"] in overlapping,
                           _absence_start(absences, v["citizen_id"], day), params)
        line.update(visit=v, weighted=weighted, minutes=minutes)
        lines.append(line)

    # 5. The monthly cap, consumed in time order per decision.
    if policy.monthly_cap_percent is not None:
        by_decision: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for line in lines:
            if line["time_priced"] and not line["deviation"]:
                by_decision[line["visit"]["decision_id"]].append(line)
        cap_h = hundredths(policy.monthly_cap_percent)
        for group in by_decision.values():
            group.sort(key=lambda x: (x["visit"]["planned_start_s"], x["visit"]["visit_id"]))
            cap = group[0]["visit"]["granted_month_minutes"] * cap_h // 10_000
            used = 0
            for line in group:
                allowed = max(0, cap - used)
                used += line["payable_minutes"]
                if line["payable_minutes"] > allowed:
                    line["payable_minutes"] = allowed
                    line["reasons"].append("capped_month")

    # 6–7. Amounts and the area surcharge.
    for line in lines:
        rate = line["unit_price_minor"]
        if line["time_priced"] and line["weighted"] is not None:  # split over bands: Σ rate × minutes
            amount = half_up(line["weighted"] * line["payable_minutes"], line["minutes"] * 60)
        elif line["time_priced"]:
            amount = half_up(rate * line["payable_minutes"], 60)
        else:
            amount = half_up(rate * line["quantity"], QUANTITY_ONE)
        surcharge = policy.area_surcharge_percent.get(line["visit"]["area"])
        if amount > 0 and surcharge:
            amount = half_up(amount * (10_000 + hundredths(surcharge)), 10_000)
            line["reasons"].append("travel")
        line["amount_minor"] = amount

    # 8. The start-up allowance.
    if policy.start_up_minor:
        first: dict[int, dict[str, Any]] = {}
        for line in lines:
            v = line["visit"]
            if v["decision_new"] and v["status"] == "done" and line["amount_minor"] > 0 and not line["deviation"]:
                key = (v["planned_start_s"], v["visit_id"])
                current = first.get(v["decision_id"])
                if current is None or key < (current["visit"]["planned_start_s"], current["visit"]["visit_id"]):
                    first[v["decision_id"]] = line
        for line in first.values():
            line["amount_minor"] += policy.start_up_minor
            line["reasons"].append("startup")

    out = [{
        "visit_id": line["visit"]["visit_id"], "decision_id": line["visit"]["decision_id"],
        "citizen_id": line["visit"]["citizen_id"], "provider_id": line["visit"]["provider_id"],
        "service_id": line["visit"]["service_id"], "time_band": line["time_band"],
        "planned_minutes": line["planned_minutes"], "performed_minutes": line["performed_minutes"],
        "payable_minutes": line["payable_minutes"] if line["time_priced"] else 0,
        "quantity": 0 if line["time_priced"] else line["quantity"],
        "unit_price_minor": line["unit_price_minor"], "amount_minor": line["amount_minor"],
        "reason_code": line["reasons"][-1], "reasons": " ".join(line["reasons"]), "deviation": line["deviation"],
    } for line in lines]
    out.sort(key=lambda row: row["visit_id"])
    out.extend(_capitation_lines(snapshot, rates))
    return pa.Table.from_pylist(out, schema=schema.LINES), _bills(snapshot, out)


def _capitation_lines(snapshot: Snapshot, rates: _Rates) -> list[dict[str, Any]]:
    params = snapshot.params
    rows = []
    for c in snapshot.capitation.to_pylist():
        rate = rates.find(c["service_id"], DAY, c["area"], c["provider_kind"], c["from_day"])
        days = c["to_day"] - c["from_day"] + 1
        line = {"visit_id": None, "decision_id": c["decision_id"], "citizen_id": c["citizen_id"],
                "provider_id": c["provider_id"], "service_id": c["service_id"], "time_band": DAY,
                "planned_minutes": 0, "performed_minutes": 0, "payable_minutes": 0, "quantity": 0,
                "unit_price_minor": rate["amount_minor"] if rate else 0, "amount_minor": 0,
                "reason_code": "capitation", "reasons": "capitation", "deviation": False}
        if rate is None:
            line.update(reason_code="no_rate", reasons="no_rate", deviation=True)
        else:
            share = days * hundredths(params.policy.age_percent(c["age"]))
            line["quantity"] = QUANTITY_ONE * share // (params.month_days * 10_000)
            line["amount_minor"] = half_up(rate["amount_minor"] * share, params.month_days * 10_000)
        rows.append(line)
    rows.sort(key=lambda row: (row["decision_id"], row["provider_id"]))
    return rows


def _bills(snapshot: Snapshot, lines: list[dict[str, Any]]) -> pa.Table:
    fees = snapshot.params.policy.co_payment
    codes = {row["service_id"]: row["service_code"] for row in snapshot.visits.to_pylist()}
    codes.update({row["service_id"]: row["service_code"] for row in snapshot.capitation.to_pylist()})
    minutes: dict[int, int] = defaultdict(int)
    units: dict[int, int] = defaultdict(int)
    time_fee: dict[int, int] = defaultdict(int)
    unit_fee: dict[int, int] = defaultdict(int)
    for line in lines:
        if line["deviation"] or line["amount_minor"] <= 0:
            continue
        code = codes.get(line["service_id"], "")
        citizen = line["citizen_id"]
        if code in fees.per_hour_minor and line["payable_minutes"]:
            minutes[citizen] += line["payable_minutes"]
            time_fee[citizen] += line["payable_minutes"] * fees.per_hour_minor[code]
        if code in fees.per_unit_minor and line["quantity"]:
            units[citizen] += line["quantity"]
            unit_fee[citizen] += line["quantity"] * fees.per_unit_minor[code]
    incomes = {row["citizen_id"]: row["income_minor"] for row in snapshot.incomes.to_pylist()}
    bills = []
    for citizen in sorted(set(time_fee) | set(unit_fee)):
        fee = half_up(time_fee[citizen], 60) + half_up(unit_fee[citizen], QUANTITY_ONE)
        cap = fees.cap_for(incomes.get(citizen))
        bills.append({"citizen_id": citizen, "minutes": minutes[citizen], "units": units[citizen], "fee_minor": fee,
                      "cap_minor": cap, "amount_minor": fee if cap is None else min(fee, cap)})
    return pa.Table.from_pylist(bills, schema=schema.BILLS)
