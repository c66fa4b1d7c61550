"""Benchmark of the settlement engine: `python -m frivalg.settlements.bench` (and part of `make bench`).

1. A month's snapshot (December 2026, Fjordby) at N visits, drawn with numpy from the demo
   generator's distributions (frivalg.demo.rules / people: granted hours per week, the 40 % private
   share, visit outcomes, check-in offsets, over- and under-runs, cancellations with short and long
   notice, hospital stays, districts) — vectorised, never a Python loop per visit — and written as
   Parquet, one file per table, under var/bench/settlement/<N>/ (reused when seed, N and the
   generator version match).
2. Every measurement in a fresh child process, so that its peak RSS (`ru_maxrss`) is its own: the
   engine from Parquet (connect, `read_parquet`, lines, totals per provider) at each size, the
   engine with the lines brought out as Arrow (`run_tables`) at the reference size, and the
   plain-Python reference (`reference.settle`) at the reference size. The engine's totals per
   provider must equal the reference's.

The result is a dict (JSON) that `frivalg.demo.bench` renders into docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from frivalg.demo import people, rules
from frivalg.settlements import snapshot_schema as schema
from frivalg.settlements.policy import parse_policy
from frivalg.settlements.reference import Params, Snapshot

PROJECT_DIR = Path(__file__).resolve().parents[3]
#: A change to what the generator draws is a new version: files of another version are redrawn.
GENERATOR_VERSION = 1
TABLES = ("visits", "rates", "holidays", "absences", "capitation", "incomes")
SCHEMAS = {"visits": schema.VISITS, "rates": schema.RATES, "holidays": schema.HOLIDAYS,
           "absences": schema.ABSENCES, "capitation": schema.CAPITATION, "incomes": schema.INCOMES}
DEFAULT_SIZES = (1_000_000, 10_000_000, 30_000_000)
DEFAULT_REFERENCE_SIZE = 1_000_000
#: Visits drawn (and held in memory) at a time; the citizens of a chunk are its own.
CHUNK_VISITS = 1_000_000
DUCKDB_THREADS = 2
#: Visits per caregiver route (per provider and day).
ROUTE_VISITS = 4

#: The targets of the issue (2 cores): 10M visits from Parquet in ≤ 3 s with a peak ≤ 2 GB,
#: ≥ 40× the reference per visit, near-linear from 1M to 30M.
TARGET_SIZE = 10_000_000
TARGET_SECONDS = 3.0
TARGET_PEAK_MB = 2048.0
TARGET_RATIO = 40.0
#: "Near-linear": seconds per visit at the largest size at most this multiple of that at 1M.
TARGET_SCALING = 1.5

# --- The month and the municipality ---------------------------------------------------------------

MONTH_FIRST_DAY = (date(2026, 12, 1) - date(1970, 1, 1)).days
MONTH_DAYS = 31
DAY_S = schema.SECONDS_PER_DAY
UTC_OFFSET_S = 3600  # Europe/Copenhagen in December: UTC+1
#: Christmas Eve, Christmas Day, Boxing Day and New Year's Eve: priced in the holiday band.
HOLIDAY_DAYS = (23, 24, 25, 30)

#: (code, basis, unit, group for the price). Ids are 1-based positions.
SERVICES: tuple[tuple[str, str, str, str], ...] = (
    (rules.CLEANING, "performed_time", "hour", "practical"),
    (rules.SHOPPING, "granted_time", "hour", "practical"),
    (rules.HYGIENE, "performed_time", "hour", "personal"),
    (rules.SUPERVISION, "per_visit", "visit", "personal"),
    (rules.MEALS, "per_unit", "meal", "meals"),
    (rules.NURSING, "performed_time", "hour", "nursing"),
    ("CAP", "capitation", "month", "capitation"),
)
S_CLEANING, S_SHOPPING, S_HYGIENE, S_SUPERVISION, S_MEALS, S_NURSING, S_CAP = range(1, 8)
#: Planned minutes per service and their weights.
DURATIONS: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {
    S_CLEANING: ((30, 45, 60, 90, 120), (0.15, 0.25, 0.35, 0.15, 0.10)),
    S_SHOPPING: ((20, 30), (0.7, 0.3)),
    S_HYGIENE: ((10, 15, 20, 25, 30, 40, 45), (0.08, 0.22, 0.22, 0.16, 0.16, 0.10, 0.06)),
    S_SUPERVISION: ((10,), (1.0,)),
    S_MEALS: ((5,), (1.0,)),
    S_NURSING: ((15, 20, 30), (0.6, 0.25, 0.15)),
    S_CAP: ((30, 45), (0.5, 0.5)),
}
#: Local clock windows (minute of day, [start, end)) per service, with weights.
WINDOWS: dict[int, tuple[tuple[tuple[int, int], ...], tuple[float, ...]]] = {
    S_CLEANING: (((510, 840),), (1.0,)),
    S_SHOPPING: (((600, 780),), (1.0,)),
    S_HYGIENE: (((420, 600), (1140, 1290)), (0.6, 0.4)),
    S_SUPERVISION: (((1385, 1435), (150, 210)), (0.5, 0.5)),
    S_MEALS: (((660, 720),), (1.0,)),
    S_NURSING: (((600, 900),), (1.0,)),
    S_CAP: (((540, 900),), (1.0,)),
}
PRACTICAL_SERVICES = (S_CLEANING, S_SHOPPING)

#: The demo's providers (frivalg.demo.municipality.PROVIDERS), ids 1-based: key, kind, approved
#: days before the month, approval end (days after the month's first day; None: open).
PROVIDERS: tuple[tuple[str, str, int, int | None], ...] = (
    ("FK", "in_house", 3650, None), ("OG", "private", 2900, None), ("HH", "private", 1800, None),
    ("FR", "private", 1200, None), ("NL", "private", 120, None), ("DF", "non_profit", 4000, None),
    ("PJ", "private", 2200, 14), ("GK", "private", 1500, None), ("SH", "private", 10, None),
)
P_FK, P_OG, P_HH, P_FR, P_NL, P_DF, P_PJ, P_GK = range(1, 9)
#: Of the citizens choosing a private home-help provider (40 %), who picks whom (the demo's weights).
PRIVATE_CHOICE = ((P_OG, 0.50), (P_HH, 0.27), (P_FR, 0.13), (P_NL, 0.10))
AREA_NAMES = ("town", "suburb", "rural")

#: The municipality's settlement policy (a SettlementPolicy document): every rule switched on.
POLICY_DOCUMENT: dict[str, Any] = {
    "tolerance_percent": 125,
    "rounding_unit_minutes": 5,
    "minimum_minutes": 15,
    "monthly_cap_percent": 110,
    "standard_minutes": {rules.SUPERVISION: 10},
    "late_cancellation": [{"within_hours": 2, "percent": 100}, {"within_hours": 24, "percent": 50}],
    "absence": {"first_day_percent": 100, "following_days_percent": 50, "limit_days": 3},
    "start_up_minor": 25_000,
    "area_surcharge_percent": {"rural": 10, "suburb": "2.5"},
    "capitation_age_percent": [{"from_age": 0, "percent": 100}, {"from_age": 80, "percent": 125}],
    "co_payment": {
        "per_hour_minor": {rules.CLEANING: 9_000, rules.SHOPPING: 9_000},
        "per_unit_minor": {rules.MEALS: 4_500},
        "base_amount_minor": 13_016_000,
        "brackets": [{"income_up_to_g": 2, "monthly_cap_minor": 22_500},
                     {"income_up_to_minor": 50_000_000, "monthly_cap_minor": 150_000},
                     {"monthly_cap_minor": 300_000}],
    },
}


def params() -> Params:
    return Params(day_start_minute=7 * 60, evening_start_minute=15 * 60, night_start_minute=23 * 60,
                  split_weekend=False, month_first_day=MONTH_FIRST_DAY, month_days=MONTH_DAYS,
                  policy=parse_policy(POLICY_DOCUMENT))


# --- The generator ------------------------------------------------------------------------------


def _strings(indexes: np.ndarray, labels: Sequence[str]) -> pa.Array:
    """Labels by index, built in Arrow (no Python object per row)."""
    return pa.DictionaryArray.from_arrays(pa.array(indexes.astype(np.int32)), pa.array(list(labels))).cast(
        pa.string())


def _nullable(values: np.ndarray, null: np.ndarray, kind: pa.DataType | None = None) -> pa.Array:
    return pa.array(values, type=kind or pa.int64(), mask=null)


def _choice(rng: np.random.Generator, size: int, weights: Sequence[float]) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")


def _weekly_minutes(rng: np.random.Generator, size: int) -> np.ndarray:
    """Granted home help per week (frivalg.demo.rules.sample_weekly_minutes, vectorised)."""
    bands = rules.CALIBRATION.bands
    index = np.minimum(_choice(rng, size, [b.share for b in bands]), len(bands) - 1)
    shapes = np.array(rules._BAND_SHAPES)  # (low, width, shape) per band
    low, width, shape = shapes[index, 0], shapes[index, 1], shapes[index, 2]
    hours = low + width * rng.random(size) ** shape
    minutes: np.ndarray = np.maximum(15, (hours * 12).astype(np.int64) * 5)
    return minutes


@dataclass
class _Chunk:
    visits: pa.Table
    absences: pa.Table
    capitation: pa.Table
    incomes: pa.Table


def _chunk(seed: int, index: int, visits_n: int, first_visit: int, first_citizen: int) -> _Chunk:
    """`visits_n` visits of their own citizens (about one in 30 visits) and caregivers."""
    rng = np.random.default_rng([seed, index])
    n = visits_n
    c = max(1, round(n / 30))
    citizen_ids = first_citizen + np.arange(c, dtype=np.int64)

    # Citizens: granted hours, area, age, income, home-help provider, meals provider.
    weekly = _weekly_minutes(rng, c)
    need = np.minimum(1.0, np.log1p(weekly / 60) / np.log1p(40))
    districts = people.DISTRICTS
    district = np.minimum(_choice(rng, c, [d.weight for d in districts]), len(districts) - 1)
    area = np.array([AREA_NAMES.index(d.kind) for d in districts])[district]
    young = rng.random(c) < 0.07
    age = np.where(young, 40 + rng.random(c) * 25, np.minimum(101.0, rng.triangular(65, 87, 102, c))).astype(np.int32)
    light = weekly < 120
    kind_draw = rng.random(c)
    practical_only = np.where(light, kind_draw < 0.70, False) | (~light & (weekly < 100))
    personal_only = np.where(light, (kind_draw >= 0.70) & (kind_draw < 0.82), kind_draw < 0.15) & ~practical_only
    mixed = ~practical_only & ~personal_only
    main_service = np.where(practical_only, S_CLEANING, S_HYGIENE)
    second_service = np.where(mixed, S_CLEANING, np.where(practical_only & (rng.random(c) < 0.35), S_SHOPPING, 0))
    heavy_share = np.minimum(1.0, weekly / 900)
    has_meals = rng.random(c) < 0.12 + 0.3 * heavy_share
    has_night = weekly >= 1200
    has_nursing = rng.random(c) < 0.08 + 0.4 * heavy_share
    has_cap = rng.random(c) < 0.02

    choice_draw = rng.random(c)
    private = choice_draw < rules.CALIBRATION.private_share
    private_pick = np.array([p for p, _ in PRIVATE_CHOICE])[
        np.minimum(_choice(rng, c, [w for _, w in PRIVATE_CHOICE]), len(PRIVATE_CHOICE) - 1)]
    town_suburb = area < 2
    # HH, FR and NL serve town and suburb only; FR practical help only: else the largest private one.
    private_pick = np.where(~town_suburb & (private_pick != P_OG), P_OG, private_pick)
    private_pick = np.where((private_pick == P_FR) & ~practical_only, P_OG, private_pick)
    non_profit = ~private & (rng.random(c) < 0.08) & (district < 4)
    provider = np.where(private, private_pick, np.where(non_profit, P_DF, P_FK))
    provider = np.where(rng.random(c) < 0.004, P_PJ, provider)  # still with the exited provider
    meals_provider = np.where(rng.random(c) < 0.5, P_GK, P_FK)
    income = (rng.lognormal(np.log(22_000_000), 0.45, c)).astype(np.int64)
    income_null = rng.random(c) < 0.05

    # Decisions: citizen × 6 slots (main, second, meals, night, nursing, capitation).
    slots = 6
    slot_service = np.stack([main_service, second_service, np.full(c, S_MEALS), np.full(c, S_SUPERVISION),
                             np.full(c, S_NURSING), np.full(c, S_CAP)], axis=1)
    exists = np.stack([np.ones(c, bool), second_service > 0, has_meals, has_night, has_nursing, has_cap], axis=1)
    weights = np.array([1.0, 0.6, 0.25, 0.35, 0.12, 0.2]) * exists
    decision_ids = citizen_ids[:, None] * 8 + np.arange(slots)[None, :]
    d_new = rng.random((c, slots)) < 0.04
    d_from_offset = np.where(d_new, rng.integers(0, 21, (c, slots)), -rng.integers(30, 1500, (c, slots)))
    d_to_offset = np.where(rng.random((c, slots)) < 0.01, rng.integers(10, 31, (c, slots)), -1)
    d_granted = rng.random((c, slots)) >= 0.001

    # Visits: a citizen by weight (more granted time, more visits), then one of its decisions.
    citizen_weight = np.sqrt(weekly.astype(np.float64)) * (1 + has_meals + has_night + has_nursing)
    cit = np.minimum(_choice(rng, n, citizen_weight), c - 1)
    cit.sort()
    slot_cum = np.cumsum(weights, axis=1)
    slot_cum = slot_cum / slot_cum[:, -1:]
    slot = np.minimum((rng.random(n)[:, None] > slot_cum[cit]).sum(axis=1), slots - 1)
    service = slot_service[cit, slot]
    decision = decision_ids[cit, slot]
    from_offset = d_from_offset[cit, slot]
    to_offset = d_to_offset[cit, slot]

    # Day of the month (from the decision's start when it is new), practical help on weekdays.
    first = np.maximum(from_offset, 0)
    day = first + (rng.random(n) * (MONTH_DAYS - first)).astype(np.int64)
    weekday = (MONTH_FIRST_DAY + day + schema.EPOCH_WEEKDAY_OFFSET) % 7
    weekend_practical = np.isin(service, PRACTICAL_SERVICES) & (weekday >= 5)
    day = np.where(weekend_practical, np.where(day - (weekday - 4) >= 0, day - (weekday - 4), day + (7 - weekday)),
                   day)
    planned = np.zeros(n, np.int64)
    minute = np.zeros(n, np.int64)
    for sid in DURATIONS:
        mask = service == sid
        k = int(mask.sum())
        if not k:
            continue
        lengths, length_weights = DURATIONS[sid]
        planned[mask] = np.array(lengths)[np.minimum(_choice(rng, k, length_weights), len(lengths) - 1)]
        windows, window_weights = WINDOWS[sid]
        w = np.array(windows)[np.minimum(_choice(rng, k, window_weights), len(windows) - 1)]
        minute[mask] = w[:, 0] + 5 * (rng.random(k) * ((w[:, 1] - w[:, 0]) // 5)).astype(np.int64)
    # A citizen's visits of one day follow each other (15 minutes apart at least), as a care plan's
    # slots do: start_k = max(drawn_k, start_{k-1} + planned_{k-1} + 15), a running maximum per
    # citizen and day (drawn_j − P_j, P the running sum of planned + 15, offset per group).
    order = np.lexsort((minute, day, cit))
    key = (cit * 64 + day)[order]
    new_group = np.r_[True, key[1:] != key[:-1]]
    group_no = np.cumsum(new_group) - 1
    step = (planned + 15)[order]
    running = np.cumsum(step)
    before = running - step
    prefix = before - before[np.flatnonzero(new_group)][group_no]
    lifted = np.maximum.accumulate(minute[order] - prefix + group_no * 10_000_000) - group_no * 10_000_000
    minute[order] = lifted + prefix
    local_start = (MONTH_FIRST_DAY + day) * DAY_S + minute * 60
    planned_start = local_start - UTC_OFFSET_S
    planned_end = planned_start + planned * 60
    visit_provider = np.select([slot == 2, slot == 3], [meals_provider[cit], P_FK], provider[cit])

    # What happened (frivalg.demo.rules.visit_outcome, vectorised).
    draw = rng.random(n)
    cut = np.cumsum([rules.P_MISSED, rules.P_CANCELLED_CITIZEN, rules.P_CANCELLED_PROVIDER, 0.002, 0.001])
    status = np.searchsorted(cut, draw, side="right")  # 0 missed … 3 planned, 4 in progress, 5 done
    statuses = ("missed", "cancelled_citizen", "cancelled_provider", "planned", "in_progress", "done")
    late = rng.random(n) < rules.P_LATE
    offset = np.where(late, 1200 + (rng.random(n) * 4200).astype(np.int64),
                      ((rng.random(n) + rng.random(n) - 0.9) * 540).astype(np.int64))
    ratio_draw = rng.random(n)
    ratio = np.select([ratio_draw < rules.P_OVERRUN, ratio_draw < rules.P_OVERRUN + rules.P_UNDERRUN],
                      [1.2 + 0.5 * rng.random(n), 0.45 + 0.35 * rng.random(n)], 0.88 + 0.22 * rng.random(n))
    performed_s = np.maximum(60, (planned * 60 * ratio).astype(np.int64) - 30 + (rng.random(n) * 60).astype(np.int64))
    short = rng.random(n) < rules.P_SHORT_NOTICE
    notice = np.where(short, 30 + (rng.random(n) * 1290).astype(np.int64),
                      1560 + (rng.random(n) * 12960).astype(np.int64))
    notice = np.where(status == 2, 20 + (rng.random(n) * 300).astype(np.int64), notice)

    # Hospital stays: (0.25 + 0.65 need) a year, 2–21 days; visits during one are not performed.
    stay = rng.random(c) < (0.25 + 0.65 * need) * 45 / 365
    stay_start = rng.integers(-10, MONTH_DAYS, c)
    stay_end = stay_start + 1 + np.minimum(19, rng.exponential(5, c).astype(np.int64))
    stay_open = stay & (stay_end >= MONTH_DAYS) & (rng.random(c) < 0.6)
    away = stay[cit] & (day >= stay_start[cit]) & (stay_open[cit] | (day <= stay_end[cit]))
    away_status = np.where(rng.random(n) < 0.35, 0, np.where(rng.random(n) < 0.85, 1, 3))
    status = np.where(away, away_status, status)
    notice = np.where(away & short, 30 + (rng.random(n) * 600).astype(np.int64), notice)

    done = status == 5
    started = done | (status == 4)
    actual_start = planned_start + offset
    actual_end = actual_start + performed_s
    bad = done & (rng.random(n) < 0.0003)
    actual_end = np.where(bad, actual_start - 60, actual_end)
    cancelled = (status == 1) | (status == 2)
    override_draw = rng.random(n)
    override = np.select([override_draw < 0.001, override_draw < 0.0015], [0, 1], 2)

    # Caregivers: per provider and day, the visits in order of planned start are dealt round-robin
    # to routes of about four visits; a route is one caregiver (ids of this chunk). Meals: none.
    order = np.lexsort((planned_start, day, visit_provider))
    group = (visit_provider * 64 + day)[order]
    boundary = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[boundary, n])
    group_no = np.repeat(np.arange(len(boundary)), sizes)
    rank = np.arange(n) - boundary[group_no]
    routes = np.ceil(sizes / ROUTE_VISITS).astype(np.int64)[group_no]
    caregiver = np.empty(n, np.int64)
    caregiver[order] = (index + 1) * 10_000_000 + visit_provider[order] * 100_000 + rank % routes
    no_caregiver = service == S_MEALS

    # Granted minutes per decision and month: its planned time × 0.88–1.12 (0.7 after a review).
    flat = (cit * slots + slot).astype(np.int64)
    planned_sum = np.bincount(flat, weights=planned, minlength=c * slots)
    factor = np.where(rng.random(c * slots) < 0.05, 0.7, 0.88 + 0.24 * rng.random(c * slots))
    granted = ((planned_sum * factor) // 5 * 5).astype(np.int64)[flat]

    kinds = sorted({kind for _, kind, _, _ in PROVIDERS})
    provider_kind = np.array([kinds.index(kind) for _, kind, _, _ in PROVIDERS])[visit_provider - 1]
    approval_from = np.array([-days for _, _, days, _ in PROVIDERS])[visit_provider - 1] + MONTH_FIRST_DAY
    approval_to = np.array([-1 if end is None else end for _, _, _, end in PROVIDERS])[visit_provider - 1]
    codes = [s[0] for s in SERVICES]
    bases = [s[1] for s in SERVICES]
    visit_ids = first_visit + np.arange(n, dtype=np.int64)
    visits = pa.Table.from_arrays([
        pa.array(visit_ids), pa.array(visit_provider.astype(np.int64)), _strings(provider_kind, kinds),
        pa.array(citizen_ids[cit]), pa.array(decision), pa.array(service.astype(np.int64)),
        _strings(service - 1, codes), _strings(service - 1, bases), _strings(status, statuses),
        pa.array(planned_start), pa.array(planned_end), pa.array(local_start),
        _nullable(actual_start, ~started), _nullable(actual_end, ~done),
        _nullable(planned_start - notice * 60, ~cancelled), _nullable(caregiver, no_caregiver),
        _strings(area[cit], AREA_NAMES), pa.array(d_granted[cit, slot]),
        pa.array((MONTH_FIRST_DAY + from_offset).astype(np.int32)),
        _nullable((MONTH_FIRST_DAY + to_offset).astype(np.int32), to_offset < 0, pa.int32()),
        pa.array(d_new[cit, slot]), pa.array(granted),
        pa.array(approval_from.astype(np.int32)),
        _nullable((MONTH_FIRST_DAY + approval_to).astype(np.int32), approval_to < 0, pa.int32()),
        _nullable_strings(override, ("accept", "reject")),
    ], schema=schema.VISITS)

    absent = np.flatnonzero(stay)
    absences = pa.Table.from_arrays([
        pa.array(citizen_ids[absent]), pa.array((MONTH_FIRST_DAY + stay_start[absent]).astype(np.int32)),
        _nullable((MONTH_FIRST_DAY + stay_end[absent]).astype(np.int32), stay_open[absent], pa.int32()),
    ], schema=schema.ABSENCES)

    # Capitation: one row per provider the citizen had in the month (10 % switched mid-month).
    cap = np.flatnonzero(has_cap)
    switched = rng.random(len(cap)) < 0.10
    switch_day = rng.integers(5, 25, len(cap))
    cap_from = np.maximum(d_from_offset[cap, 5], 0)
    rows = np.r_[cap, cap[switched]]
    # The new provider from the switch day to the month's end, the old one before it.
    switch_day = np.maximum(switch_day, cap_from + 1)
    row_from = np.r_[np.where(switched, switch_day, cap_from), cap_from[switched]]
    row_to = np.r_[np.full(len(cap), MONTH_DAYS - 1), switch_day[switched] - 1]
    row_provider = np.r_[provider[cap], np.where(provider[cap[switched]] == P_FK, P_OG, P_FK)]
    capitation = pa.Table.from_arrays([
        pa.array(decision_ids[rows, 5]), pa.array(citizen_ids[rows]), pa.array(np.full(len(rows), S_CAP, np.int64)),
        _strings(np.full(len(rows), S_CAP - 1), codes), pa.array(row_provider.astype(np.int64)),
        _strings(np.array([kinds.index(PROVIDERS[p - 1][1]) for p in range(1, len(PROVIDERS) + 1)])[row_provider - 1],
                 kinds),
        _strings(area[rows], AREA_NAMES), pa.array(age[rows]),
        pa.array((MONTH_FIRST_DAY + row_from).astype(np.int32)), pa.array((MONTH_FIRST_DAY + row_to).astype(np.int32)),
    ], schema=schema.CAPITATION)
    incomes = pa.Table.from_arrays([pa.array(citizen_ids), _nullable(income, income_null)], schema=schema.INCOMES)
    return _Chunk(visits, absences, capitation, incomes)


def _nullable_strings(indexes: np.ndarray, labels: Sequence[str]) -> pa.Array:
    """Labels by index; an index past the labels is null."""
    null = indexes >= len(labels)
    return pa.DictionaryArray.from_arrays(
        pa.array(np.where(null, 0, indexes).astype(np.int32), mask=null), pa.array(list(labels))).cast(pa.string())


def _rates() -> pa.Table:
    """Last year's and this year's table: service × band × provider kind, for all areas, and a
    dearer rural row for cleaning and nursing (the area is looked up first)."""
    year_start = (date(2026, 1, 1) - date(1970, 1, 1)).days
    kinds = sorted({kind for _, kind, _, _ in PROVIDERS})
    out: dict[str, list[Any]] = {name: [] for name in schema.RATES.names}
    for sid, (_, _, unit, group) in enumerate(SERVICES, start=1):
        for band in rules.BAND_FACTORS:
            for kind in kinds:
                for years_back, (first, last) in enumerate(((year_start, None), (year_start - 365, year_start - 1))):
                    if group in rules.BASE_HOURLY_DKK:
                        amount = rules.hourly_rate_minor(group, band, kind, years_back)
                        if unit == "visit":
                            amount = amount // 6
                    elif group == "meals":
                        amount = rules.meal_price_minor(years_back)
                    else:
                        amount = round(4_500 / rules.YEARLY_REGULATION ** years_back) * 100
                    areas = [("all", amount)]
                    if sid in (S_CLEANING, S_NURSING):
                        areas.append(("rural", amount + 1_500))
                    for area, price in areas:
                        for name, value in (("service_id", sid), ("time_band", band), ("area", area),
                                            ("provider_kind", kind), ("unit", unit), ("valid_from_day", first),
                                            ("valid_to_day", last), ("amount_minor", price)):
                            out[name].append(value)
    return pa.table(out, schema=schema.RATES)


def _holidays() -> pa.Table:
    return pa.table({"day": [MONTH_FIRST_DAY + d for d in HOLIDAY_DAYS], "band": ["holiday"] * len(HOLIDAY_DAYS)},
                    schema=schema.HOLIDAYS)


def _var_dir() -> Path:
    return Path(os.environ.get("FRIVALG_VAR_DIR", PROJECT_DIR / "var"))


def snapshot_dir(visits: int, root: Path | None = None) -> Path:
    return (root or _var_dir() / "bench" / "settlement") / str(visits)


def generate(visits: int, seed: int = 1, root: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The Parquet files of a snapshot of `visits` visits (drawn unless already there with the same
    seed, size and generator version) and the generation's report."""
    directory = snapshot_dir(visits, root)
    meta_path = directory / "meta.json"
    wanted = {"seed": seed, "visits": visits, "generator": GENERATOR_VERSION}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in wanted} == wanted and all((directory / f"{t}.parquet").exists() for t in TABLES):
            return directory, {**meta, "reused": True}
    directory.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    started = time.perf_counter()
    counts = dict.fromkeys(TABLES, 0)
    others: dict[str, list[pa.Table]] = {"absences": [], "capitation": [], "incomes": []}
    with pq.ParquetWriter(directory / "visits.parquet", schema.VISITS) as writer:
        done, citizen, index = 0, 1, 0
        while done < visits:
            size = min(CHUNK_VISITS, visits - done)
            chunk = _chunk(seed, index, size, done + 1, citizen)
            writer.write_table(chunk.visits, row_group_size=256 * 1024)
            for name in others:
                others[name].append(getattr(chunk, name))
            counts["visits"] += chunk.visits.num_rows
            citizen += chunk.incomes.num_rows
            done += size
            index += 1
    for name, parts in others.items():
        table = pa.concat_tables(parts) if parts else SCHEMAS[name].empty_table()
        pq.write_table(table, directory / f"{name}.parquet")
        counts[name] = table.num_rows
    for name, table in (("rates", _rates()), ("holidays", _holidays())):
        pq.write_table(table, directory / f"{name}.parquet")
        counts[name] = table.num_rows
    meta = {**wanted, "rows": counts, "seconds": time.perf_counter() - started,
            "bytes": sum((directory / f"{t}.parquet").stat().st_size for t in TABLES)}
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return directory, {**meta, "reused": False}


def read_snapshot(directory: Path) -> Snapshot:
    tables = {name: pq.read_table(directory / f"{name}.parquet").cast(SCHEMAS[name]) for name in TABLES}
    return Snapshot(params=params(), **tables)


# --- The measurements (each in its own child process) -------------------------------------------


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _totals_rows(table: pa.Table) -> list[list[int]]:
    """[provider, amount, lines, deviations] per provider, sorted."""
    rows = table.sort_by("provider_id").to_pylist()
    return [[int(r["provider_id"]), int(r["amount_minor"]), int(r["lines"]), int(r["deviations"])] for r in rows]


def _engine_tables(directory: Path) -> tuple[Any, Any]:
    import ibis

    from frivalg.settlements.engine import Tables

    con = ibis.duckdb.connect(threads=DUCKDB_THREADS)
    read = {name: con.read_parquet(directory / f"{name}.parquet", table_name=f"bench_{name}") for name in TABLES}
    return con, Tables(**read)


def measure(kind: str, directory: Path) -> dict[str, Any]:
    """One measurement in this process: `engine` (Parquet → lines → totals in DuckDB), `lines`
    (Parquet → lines and bills as Arrow) or `reference` (Parquet → Arrow → reference.settle →
    totals)."""
    started = time.perf_counter()
    import ibis  # noqa: F401  (imports are not the measurement)

    from frivalg.settlements import engine, reference

    imported = time.perf_counter() - started
    rss_before = _maxrss_mb()
    p = params()
    started = time.perf_counter()
    result: dict[str, Any] = {"kind": kind}
    if kind == "engine":
        con, tables = _engine_tables(directory)
        totals = engine.totals(tables, p, con)
        result["totals"] = _totals_rows(totals)
    elif kind == "lines":
        con, tables = _engine_tables(directory)
        lines, bills = engine.run_tables(tables, p, con)
        result["lines"], result["bills"] = lines.num_rows, bills.num_rows
        result["totals"] = _totals_rows(_arrow_totals(lines))
    elif kind == "reference":
        snapshot = read_snapshot(directory)
        lines, bills = reference.settle(snapshot)
        result["lines"], result["bills"] = lines.num_rows, bills.num_rows
        result["totals"] = _totals_rows(_arrow_totals(lines))
    else:
        raise ValueError(kind)
    result.update(seconds=time.perf_counter() - started, import_seconds=imported,
                  baseline_rss_mb=rss_before, maxrss_mb=_maxrss_mb())
    return result


def _arrow_totals(lines: pa.Table) -> pa.Table:
    with_dev = lines.append_column("dev", lines["deviation"].cast(pa.int64()))
    grouped = with_dev.group_by("provider_id").aggregate([("amount_minor", "sum"), ([], "count_all"),
                                                          ("dev", "sum")])
    return pa.table({"provider_id": grouped["provider_id"], "amount_minor": grouped["amount_minor_sum"],
                     "lines": grouped["count_all"], "deviations": grouped["dev_sum"]})


def _child(kind: str, visits: int, seed: int, timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "frivalg.settlements.bench", "--child", kind, "--size", str(visits),
               "--seed", str(seed)]
    print(f"· settlement {kind} at {visits:,} visits …", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"kind": kind, "visits": visits, "error": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        reason = "killed (out of memory?)" if done.returncode < 0 else tail
        return {"kind": kind, "visits": visits, "error": f"exit {done.returncode}: {reason}"}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "visits": visits}


def _rate(run: dict[str, Any]) -> float:
    return float(run["visits"]) / float(run["seconds"])


def run_benchmark(sizes: Sequence[int] = DEFAULT_SIZES, reference_size: int = DEFAULT_REFERENCE_SIZE,
                  seed: int = 1, timeout: float = 900.0) -> dict[str, Any]:
    """Generate, measure and compare; everything `markdown` needs, as plain data."""
    generated: dict[str, Any] = {}
    engine_runs: list[dict[str, Any]] = []
    for visits in sorted({*sizes, reference_size}):
        print(f"· settlement snapshot at {visits:,} visits …", file=sys.stderr, flush=True)
        try:
            _, meta = generate(visits, seed)
            generated[str(visits)] = meta
        except MemoryError:
            generated[str(visits)] = {"error": "out of memory while generating"}
            continue
        if visits in sizes:
            engine_runs.append(_child("engine", visits, seed, timeout))
    lines_run = _child("lines", reference_size, seed, timeout)
    reference_run = _child("reference", reference_size, seed, timeout)
    engine_at_reference = next((r for r in engine_runs if r["visits"] == reference_size and "error" not in r), None)
    if engine_at_reference is None:
        engine_at_reference = _child("engine", reference_size, seed, timeout)
    checks: list[dict[str, Any]] = []
    for label, run in (("engine totals", engine_at_reference), ("engine lines", lines_run)):
        if "error" in run or "error" in reference_run:
            checks.append({"what": label, "equal": None})
            continue
        differing = _differences(run["totals"], reference_run["totals"])
        checks.append({"what": label, "equal": not differing, "differing": differing[:10]})
    return {"sizes": list(sizes), "reference_size": reference_size, "seed": seed, "threads": DUCKDB_THREADS,
            "generated": generated, "engine": engine_runs, "lines": lines_run, "reference": reference_run,
            "engine_at_reference": engine_at_reference, "checks": checks}


def _differences(a: list[list[int]], b: list[list[int]]) -> list[dict[str, Any]]:
    left, right = {row[0]: row[1:] for row in a}, {row[0]: row[1:] for row in b}
    return [{"provider_id": p, "engine": left.get(p), "reference": right.get(p)}
            for p in sorted(set(left) | set(right)) if left.get(p) != right.get(p)]


# --- The report -------------------------------------------------------------------------------


def _met(flag: bool | None) -> str:
    return "n/a" if flag is None else "**met**" if flag else "**not met**"


def verdicts(result: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for the issue's targets."""
    ok = [r for r in result["engine"] if "error" not in r]
    at_target = next((r for r in ok if r["visits"] == TARGET_SIZE), None)
    out: list[tuple[str, str, bool | None]] = []
    if at_target:
        out.append((f"{TARGET_SIZE / 1e6:.0f}M visits from Parquet in ≤ {TARGET_SECONDS:.0f} s",
                    f"{at_target['seconds']:.2f} s", at_target["seconds"] <= TARGET_SECONDS))
        out.append((f"peak ≤ {TARGET_PEAK_MB / 1024:.0f} GB at {TARGET_SIZE / 1e6:.0f}M",
                    f"{at_target['maxrss_mb']:,.0f} MB", at_target["maxrss_mb"] <= TARGET_PEAK_MB))
    else:
        out.append((f"{TARGET_SIZE / 1e6:.0f}M visits in ≤ {TARGET_SECONDS:.0f} s, peak ≤ 2 GB", "not run", None))
    ref, eng = result["reference"], result["engine_at_reference"]
    if "error" not in ref and "error" not in eng:
        ratio = (ref["seconds"] / ref["visits"]) / (eng["seconds"] / eng["visits"])
        out.append((f"≥ {TARGET_RATIO:.0f}× the reference per visit", f"{ratio:.0f}×", ratio >= TARGET_RATIO))
    else:
        out.append((f"≥ {TARGET_RATIO:.0f}× the reference per visit", "not run", None))
    if len(ok) >= 2:
        small, large = ok[0], ok[-1]
        growth = (large["seconds"] / large["visits"]) / (small["seconds"] / small["visits"])
        out.append((f"near-linear {small['visits'] / 1e6:.0f}M → {large['visits'] / 1e6:.0f}M "
                    f"(s/visit ≤ {TARGET_SCALING}× that at the smallest)", f"{growth:.2f}×", growth <= TARGET_SCALING))
    checks = result["checks"]
    out.append((f"engine totals per provider = reference's at {result['reference_size'] / 1e6:g}M",
                ", ".join(f"{c['what']}: {'equal' if c['equal'] else 'n/a' if c['equal'] is None else 'DIFFERENT'}"
                          for c in checks), all(c["equal"] for c in checks) if checks else None))
    return out


def markdown(result: dict[str, Any]) -> list[str]:
    """The "## Settlement engine" section of docs/benchmarks.md."""
    gen = result["generated"]
    ref, eng = result["reference"], result["engine_at_reference"]
    lines = [
        "## Settlement engine",
        "",
        "`python -m frivalg.settlements.bench` (run by `make bench`). A month's snapshot (December 2026,",
        "31 days, four holiday-band days) at N visits, drawn with numpy from the demo generator's",
        "distributions — granted hours per week, 40 % private providers, 93.5 % of visits done with late",
        "check-ins and over- and under-runs, missed visits, cancellations by citizens (short and long",
        "notice) and providers, hospital stays, about N/30 citizens with one to six decisions each, caregivers",
        "on routes of about four visits — with a policy that switches every rule on (110 % monthly cap, late",
        "cancellation 100 % < 2 h / 50 % < 24 h, absence 100/50 % for 3 days, rural and suburb surcharge,",
        "start-up allowance, capitation by age, co-payment with income brackets). Written once as Parquet",
        "under `var/bench/settlement/<N>/`. Every measurement is a separate process; peak memory is its",
        "`ru_maxrss` (including Python, Ibis and DuckDB themselves: "
        f"{_baseline(result):,.0f} MB before the first query). DuckDB with {result['threads']} threads.",
        "",
        "The engine: connect, `read_parquet` for the six tables, every line computed in DuckDB and summed per",
        "provider as it streams out (`engine.totals`; the overlap ids are staged as a small table), totals out",
        "as Arrow. The reference: the Parquet read into Arrow, `reference.settle` (a Python loop per visit),",
        "totals per provider.",
        "",
        "| run | visits | seconds | visits/s | peak RSS | s per 1M visits |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in [*result["engine"], result["lines"], ref]:
        label = {"engine": "engine: Parquet → lines → totals", "lines": "engine: Parquet → lines + bills as Arrow",
                 "reference": "reference (`reference.settle`)"}[run["kind"]]
        if "error" in run:
            lines.append(f"| {label} | {run['visits']:,} | — | — | — | {run['error']} |")
            continue
        lines.append(f"| {label} | {run['visits']:,} | {run['seconds']:.2f} | {_rate(run):,.0f} | "
                     f"{run['maxrss_mb']:,.0f} MB | {run['seconds'] / run['visits'] * 1e6:.2f} |")
    lines.append("")
    if "error" not in ref and "error" not in eng:
        ratio = (ref["seconds"] / ref["visits"]) / (eng["seconds"] / eng["visits"])
        lines += [f"Per visit the engine is **{ratio:.0f}×** the reference at {ref['visits']:,} visits "
                  f"({_rate(eng):,.0f} against {_rate(ref):,.0f} visits/s; peak {eng['maxrss_mb']:,.0f} against "
                  f"{ref['maxrss_mb']:,.0f} MB).", ""]
    ok = [r for r in result["engine"] if "error" not in r]
    if len(ok) >= 2:
        base = ok[0]
        steps = ", ".join(f"{r['visits'] / 1e6:g}M {r['seconds'] / base['seconds']:.1f}× the time for "
                          f"{r['visits'] / base['visits']:.0f}× the visits" for r in ok[1:])
        lines += [f"Scaling from {base['visits'] / 1e6:g}M: {steps}.", ""]
    lines += ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {target} | {measured} | {_met(met)} |" for target, measured, met in verdicts(result)]
    lines += ["", "| snapshot | visits | citizens (incomes) | absences | capitation rows | Parquet | drawn in |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for size, meta in sorted(gen.items(), key=lambda item: int(item[0])):
        if "error" in meta:
            lines.append(f"| {int(size):,} | — | — | — | — | — | {meta['error']} |")
            continue
        rows = meta["rows"]
        lines.append(f"| {int(size):,} | {rows['visits']:,} | {rows['incomes']:,} | {rows['absences']:,} | "
                     f"{rows['capitation']:,} | {meta['bytes'] / 1e6:,.0f} MB | {meta['seconds']:.1f} s |")
    findings = result.get("findings", FINDINGS)
    if findings:
        lines += ["", "### Where the time goes", "", *findings]
    lines.append("")
    return lines


#: What a profile of the engine showed (written by hand from a run of this benchmark: not measured
#: again by `make bench`; redo it when the engine changes).
FINDINGS: tuple[str, ...] = (
    "Profiled by hand at 10M visits (2026-11-22, engine 2026.11.3, an idle machine; DuckDB's JSON profile of",
    "the staged overlap ids and of the query over `ibis.to_sql(engine.all_lines(...))`): 6.2 s in all. The",
    "overlap ids take 2.3 s: two exact running maxima, `max(end) OVER (PARTITION BY caregiver | citizen",
    "ORDER BY start, id ROWS … 1 PRECEDING)`, over the 8.7M and 9.2M done visits (2.0 + 1.8 CPU-s; 0.4 s",
    "of it the Parquet scans). The main query takes 3.7 s: the per-visit joins over 10M rows (Parquet scan",
    "0.56, the two rate joins 0.29 each, the holiday, overlap and absence joins 0.1–0.2 each), the wide",
    "CASE projections (about 1.3 CPU-s), and a hybrid CTE that buffers the wide per-visit rows while the",
    "monthly cap is computed — those buffered rows are what takes peak memory to 2.6 GB. Ibis builds and",
    "compiles the expression in 0.35 s.",
    "",
    "Engine 2026.11.3 sorts for the monthly cap only the lines of the decisions whose month passes their",
    "limit (a hash aggregate over 567K decisions finds them: 0.23 CPU-s), 855K lines instead of 8.8M: the",
    "cap's window fell from 1.87 to 0.17 CPU-s; windows order by one int64 key (start × 10^9 + id), 17 %",
    "faster than two keys. Before that, 2026.11.2 at 10M: 7.2 s on the same idle machine; 2026.11.1 carried",
    "the whole wide row through every window's sort (8.7 s at 1M).",
    "",
    "Remaining distance to 3 s and 2 GB at 10M: the overlap check is an exact running maximum per",
    "caregiver and per citizen, so it needs two sorts of the done visits (a `lag` would miss visits",
    "contained in an earlier one); memory would fall below 2 GB by staging the cap's cuts in a second",
    "streaming pass (about 1.5 s more) or by narrowing the buffered row to integer codes until the end.",
    "A run with `memory_limit='1200MB'` stays at 1.45 GB but spills and takes 13 s.",
)


def _baseline(result: dict[str, Any]) -> float:
    ok = [r for r in result["engine"] if "error" not in r]
    return float(min((r["baseline_rss_mb"] for r in ok), default=0.0))


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--reference-size", type=int, default=DEFAULT_REFERENCE_SIZE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per measurement")
    parser.add_argument("--output", help="write the result as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, snapshot_dir(args.size))))
        return
    result = run_benchmark(_sizes(args.sizes), args.reference_size, args.seed, args.timeout)
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
