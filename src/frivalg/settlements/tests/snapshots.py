"""Random settlement snapshots for the differential tests: small id ranges so that overlaps,
shared decisions, caps and absences actually happen; every rule of the policy switched on or off
at random."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
from hypothesis import strategies as st

from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.policy import (
    AbsenceRule,
    AgeFactor,
    Bracket,
    CoPayment,
    LateCancellation,
    Policy,
)
from frivalg.settlements.reference import Params, Snapshot

MONTH_FIRST_DAY = (date(2026, 10, 1) - date(1970, 1, 1)).days
MONTH_DAYS = 31
DAY_S = 86_400
SERVICES = {1: ("PH", "performed_time"), 2: ("PC", "granted_time"), 3: ("NIGHT", "per_visit"),
            4: ("MEAL", "per_unit"), 5: ("CAP", "capitation")}
BANDS = ("day", "evening", "night", "weekend", "saturday", "sunday", "holiday", "major")
AREAS = ("town", "suburb", "rural")
KINDS = ("in_house", "private")
STATUSES = ("planned", "in_progress", "done", "done", "done", "missed", "cancelled_citizen", "cancelled_provider")

percent = st.decimals(min_value=0, max_value=150, places=2)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    windows = sorted(draw(st.sets(st.integers(1, 72), max_size=3)))
    late = tuple(LateCancellation(h * 60, draw(st.decimals(0, 100, places=2))) for h in windows)
    brackets: tuple[Bracket, ...] = ()
    if draw(st.booleans()):
        bounds = sorted(draw(st.sets(st.integers(1, 10_000_000), max_size=3)))
        brackets = (*(Bracket(b, draw(st.integers(0, 500_000))) for b in bounds),
                    Bracket(None, draw(st.integers(0, 500_000))))
    ages = sorted(draw(st.sets(st.integers(0, 100), max_size=3)) | {0})
    return Policy(
        tolerance_percent=draw(st.decimals(100, 200, places=2)),
        rounding_unit_minutes=draw(st.integers(1, 15)),
        minimum_minutes=draw(st.integers(0, 30)),
        monthly_cap_percent=draw(st.none() | st.decimals(1, 200, places=2)),
        standard_minutes=draw(st.sampled_from([{}, {"NIGHT": 20}, {"NIGHT": 20, "PH": 30}])),
        late_cancellation=late,
        absence=draw(st.none() | st.builds(AbsenceRule, percent, percent, st.integers(1, 5))),
        start_up_minor=draw(st.sampled_from([0, 0, 25_000, 333])),
        area_surcharge_percent=draw(st.sampled_from([{}, {"rural": Decimal(10)}, {"rural": Decimal("12.5"),
                                                                                   "suburb": Decimal("3.33")}])),
        capitation_age_percent=tuple(AgeFactor(a, draw(percent)) for a in ages),
        co_payment=CoPayment(
            per_hour_minor=draw(st.sampled_from([{}, {"PH": 15_000}, {"PH": 15_001, "PC": 7_777}])),
            per_unit_minor=draw(st.sampled_from([{}, {"MEAL": 4_500}, {"MEAL": 4_501, "NIGHT": 999}])),
            brackets=brackets,
            no_income_last=draw(st.booleans()),
        ),
    )


@st.composite
def snapshots(draw: st.DrawFn, max_visits: int = 40) -> Snapshot:
    params = Params(
        day_start_minute=draw(st.sampled_from([7 * 60, 6 * 60 + 30])),
        evening_start_minute=draw(st.sampled_from([15 * 60, 16 * 60])),
        night_start_minute=draw(st.sampled_from([23 * 60, 22 * 60])),
        split_weekend=draw(st.booleans()),
        crossing_rule=draw(st.sampled_from(["start", "majority", "split"])),
        month_first_day=MONTH_FIRST_DAY,
        month_days=MONTH_DAYS,
        policy=draw(policies()),
    )
    first_s = MONTH_FIRST_DAY * DAY_S
    decisions = {}
    for decision_id in range(1, 7):
        from_day = MONTH_FIRST_DAY + draw(st.integers(-40, 5))
        decisions[decision_id] = {
            "decision_granted": draw(st.sampled_from([True, True, True, False])),
            "decision_from_day": from_day, "decision_to_day": draw(st.sampled_from([None, None, from_day + 50])),
            "decision_new": draw(st.booleans()), "granted_month_minutes": draw(st.integers(0, 2000)),
        }
    visits = []
    for visit_id in range(1, draw(st.integers(0, max_visits)) + 1):
        service_id = draw(st.sampled_from(sorted(SERVICES)))
        code, basis = SERVICES[service_id]
        decision_id = draw(st.integers(1, 6))
        citizen_id = decision_id % 4 + 1
        start = first_s + draw(st.integers(0, MONTH_DAYS * DAY_S - 1)) // 60 * 60
        planned = draw(st.integers(1, 180)) * 60 + draw(st.sampled_from([0, 0, 30]))
        status = draw(st.sampled_from(STATUSES))
        actual_start = actual_end = cancelled = None
        if status in ("done", "in_progress"):
            actual_start = start + draw(st.integers(-1800, 1800))
            if status == "done":
                actual_end = actual_start + draw(st.integers(-60, 240 * 60))
        if status == "cancelled_citizen":
            cancelled = start - draw(st.integers(-3600, 80 * 3600))
        offset = draw(st.sampled_from([0, 3600, 7200]))  # local = UTC + 0/1/2 hours
        visits.append({
            "visit_id": visit_id, "provider_id": draw(st.integers(1, 3)), "provider_kind": draw(st.sampled_from(KINDS)),
            "citizen_id": citizen_id, "decision_id": decision_id, "service_id": service_id, "service_code": code,
            "basis": basis, "status": status, "planned_start_s": start, "planned_end_s": start + planned,
            "local_start_s": start + offset, "actual_start_s": actual_start, "actual_end_s": actual_end,
            "cancelled_at_s": cancelled, "caregiver_id": draw(st.none() | st.integers(1, 3)),
            "area": draw(st.sampled_from(AREAS)), **decisions[decision_id],
            "approval_from_day": draw(st.sampled_from([MONTH_FIRST_DAY - 100] * 4 + [None, MONTH_FIRST_DAY + 9])),
            "approval_to_day": draw(st.sampled_from([None] * 4 + [MONTH_FIRST_DAY + 20])),
            "override": draw(st.sampled_from([None, None, None, "accept", "reject"])),
        })
    rates = []
    for service_id in SERVICES:
        unit = "hour" if SERVICES[service_id][1] in ("performed_time", "granted_time") else draw(
            st.sampled_from(["hour", "visit", "meal", "month"]))
        for band in draw(st.sets(st.sampled_from(BANDS), min_size=7)):
            for kind in KINDS:
                for area in {"all"} ^ draw(st.sets(st.sampled_from(("all", *AREAS)), max_size=2)):
                    split = MONTH_FIRST_DAY + draw(st.integers(-5, 35))
                    rates.append({"service_id": service_id, "time_band": band, "area": area, "provider_kind": kind,
                                  "unit": unit, "valid_from_day": MONTH_FIRST_DAY - 400, "valid_to_day": split - 1,
                                  "amount_minor": draw(st.integers(0, 90_000))})
                    if draw(st.sampled_from([True, True, True, False])):
                        rates.append({"service_id": service_id, "time_band": band, "area": area,
                                      "provider_kind": kind, "unit": unit, "valid_from_day": split,
                                      "valid_to_day": None, "amount_minor": draw(st.integers(0, 90_000))})
    holidays = [{"day": d, "band": draw(st.sampled_from(["holiday", "major"]))}
                for d in sorted(draw(st.sets(st.integers(MONTH_FIRST_DAY, MONTH_FIRST_DAY + 31), max_size=3)))]
    absences = []
    for citizen_id in draw(st.lists(st.integers(1, 4), max_size=3)):
        start = MONTH_FIRST_DAY + draw(st.integers(-3, 30))
        absences.append({"citizen_id": citizen_id, "start_day": start,
                         "end_day": draw(st.none() | st.integers(start, start + 10))})
    capitation = []
    for decision_id in draw(st.sets(st.integers(10, 14), max_size=3)):
        for provider_id in draw(st.sets(st.integers(1, 3), min_size=1, max_size=2)):
            start = MONTH_FIRST_DAY + draw(st.integers(0, 30))
            capitation.append({"decision_id": decision_id, "citizen_id": decision_id % 4 + 1, "service_id": 5,
                               "service_code": "CAP", "provider_id": provider_id,
                               "provider_kind": draw(st.sampled_from(KINDS)), "area": draw(st.sampled_from(AREAS)),
                               "age": draw(st.integers(60, 105)), "from_day": start,
                               "to_day": draw(st.integers(start, MONTH_FIRST_DAY + 30))})
    incomes = [{"citizen_id": c, "income_minor": draw(st.none() | st.integers(0, 12_000_000))}
               for c in draw(st.sets(st.integers(1, 4)))]
    return Snapshot(
        visits=pa.Table.from_pylist(visits, schema=schema.VISITS),
        rates=pa.Table.from_pylist(rates, schema=schema.RATES),
        holidays=pa.Table.from_pylist(holidays, schema=schema.HOLIDAYS),
        absences=pa.Table.from_pylist(absences, schema=schema.ABSENCES),
        capitation=pa.Table.from_pylist(capitation, schema=schema.CAPITATION),
        incomes=pa.Table.from_pylist(incomes, schema=schema.INCOMES),
        params=params,
    )
