"""Benchmark of the follow-up indicators: `python -m frivalg.followup.bench` (and part of `make bench`).

The issue's target: every indicator for a municipality of 20,000 citizens with three years of
visits (about 30 million) in ≤ 10 s on this machine from a warm snapshot, with the peak memory.

1. A generator that writes a warm snapshot directly, without Django's database: a DuckDB file with
   one table per name in followup.snapshot_schema.TABLES, in exactly those schemas, drawn with numpy
   from a fixed seed one month of visits at a time (so memory stays bounded) — districts, services,
   providers with approvals and served districts, citizens with decisions in versions, choices with
   switches and default assignments, provider terminations, visits with caregivers, missed and
   cancelled visits and check-in delays, settled costs, budgets, the in-house unit's
   after-calculations, ratings, complaints, a waiting list, the task list and the tenders' lots. Cached as
   var/bench/followup-<visits>.duckdb (with a .json beside it) and redrawn only when the seed, the
   size or the generator version changes. Building the DuckDB file from the Arrow chunks is timed
   apart from drawing them: that is the time to warm a snapshot.
2. The measurement, in a fresh child process so that its peak RSS is its own: open the file
   (`Engine.from_database`) and run every registered indicator with the parameter sets a dashboard
   uses (`dashboard_set`), twice: the first pass reads the file, the second finds DuckDB's buffers
   warm. Each indicator is timed, and the total.

`run_benchmark` returns plain data that `markdown` renders as the "Follow-up indicators" section of
docs/benchmarks.md (frivalg.demo.bench)."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from frivalg.demo import people
from frivalg.followup import snapshot_schema as schema
from frivalg.followup.engine import add_monthly_cube

if TYPE_CHECKING:
    from frivalg.followup.indicators.base import Indicator

PROJECT_DIR = Path(__file__).resolve().parents[3]
#: A change to what the generator draws is a new version: files of another version are redrawn.
GENERATOR_VERSION = 3  # 2: the warm file carries the monthly visit cube; 3: tender lots
DEFAULT_VISITS = 30_000_000
DEFAULT_CITIZENS = 20_000
DEFAULT_YEARS = 3
#: The snapshot's period ends here (exclusive); it starts `years` years before.
PERIOD_END = date(2026, 1, 1)
MUNICIPALITY_ID = 1
TARGET_SECONDS = 10.0

EPOCH = date(1970, 1, 1)
#: "Open" (no end) as a day number, far beyond any period.
OPEN = 10**6

# --- The municipality -----------------------------------------------------------------------------

#: (id, code, name, unit, basis, care level); ids are positions + 1.
SERVICES: tuple[tuple[int, str, str, str, str, int], ...] = (
    (1, "PP-HYG", "Personal care", "hour", "performed_time", 2),
    (2, "PH-REN", "Cleaning", "hour", "performed_time", 1),
    (3, "PH-IND", "Shopping", "hour", "granted_time", 1),
    (4, "PP-TIL", "Night supervision", "visit", "per_visit", 3),
)
S_PERSONAL, S_CLEANING, S_SHOPPING, S_NIGHT = 1, 2, 3, 4
N_SERVICES = len(SERVICES)
#: Hourly price per service in øre (per visit for night supervision), this year; 3 % less a year back.
PRICES = np.array([0, 43_500, 37_500, 37_500, 11_000], dtype=np.int64)
#: Planned minutes per service and their weights.
DURATIONS: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {
    S_PERSONAL: ((15, 20, 25, 30, 45), (0.25, 0.25, 0.2, 0.2, 0.1)),
    S_CLEANING: ((30, 45, 60, 90), (0.2, 0.3, 0.35, 0.15)),
    S_SHOPPING: ((20, 30), (0.7, 0.3)),
    S_NIGHT: ((10,), (1.0,)),
}
#: Local clock windows ([start, end) minute of day) per service, with weights.
WINDOWS: dict[int, tuple[tuple[tuple[int, int], ...], tuple[float, ...]]] = {
    S_PERSONAL: (((420, 570), (690, 780), (1020, 1200), (1260, 1350)), (0.45, 0.2, 0.2, 0.15)),
    S_CLEANING: (((510, 840),), (1.0,)),
    S_SHOPPING: (((600, 780),), (1.0,)),
    S_NIGHT: (((1350, 1435), (120, 240)), (0.5, 0.5)),
}


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: str
    #: Share of active choices where it is approved (renormalised over those approved).
    weight: float
    services: tuple[int, ...]
    #: District positions served (None: every district).
    districts: tuple[int, ...] | None
    approved_from: date
    approved_to: date | None = None
    status: str = "approved"
    capacity: int | None = None
    accepting: bool = True
    #: Mean answer in the satisfaction survey.
    rating: float = 4.1


TOWN_SUBURB = (0, 1, 2, 3, 4)
#: One in-house unit, twelve private providers (one entering, one leaving, one still applying), two
#: non-profits; the rural districts (5–7) have at most two private providers.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("Fjordby Kommune Hjemmepleje", "in_house", 0.55, (1, 2, 3, 4), None, date(2003, 1, 1),
                 rating=3.9),
    ProviderSpec("OmsorgsGruppen", "private", 0.12, (1, 2, 3, 4), None, date(2004, 3, 1), capacity=3000, rating=4.0),
    ProviderSpec("Hjemmehjælpen Nord", "private", 0.08, (1, 2, 3), (0, 1, 2, 3, 4, 5), date(2008, 1, 1),
                 capacity=1500, rating=4.2),
    ProviderSpec("Fjord Pleje", "private", 0.06, (1, 2), TOWN_SUBURB, date(2010, 5, 1), capacity=900),
    ProviderSpec("Rent & Rart", "private", 0.04, (2, 3), TOWN_SUBURB, date(2012, 9, 1), capacity=600, rating=4.4),
    ProviderSpec("Kærlig Hverdag", "private", 0.03, (1, 2), (0, 1, 2), date(2014, 1, 1), capacity=400),
    ProviderSpec("Havnens Hjemmepleje", "private", 0.025, (1, 2), (0, 1), date(2015, 6, 1), capacity=300,
                 accepting=False, rating=3.6),
    ProviderSpec("Vestervang Service", "private", 0.02, (2, 3), (2, 3), date(2016, 2, 1), capacity=250),
    ProviderSpec("Trygt Hjem", "private", 0.015, (1, 2), (0, 2, 4), date(2018, 4, 1), capacity=200),
    ProviderSpec("Skovhøj Omsorg", "private", 0.015, (1, 2), (4,), date(2019, 1, 1), capacity=200, rating=4.5),
    ProviderSpec("Plejegården", "private", 0.02, (1, 2), TOWN_SUBURB, date(2017, 1, 1), date(2024, 9, 30),
                 status="terminated", capacity=300, rating=3.4),
    ProviderSpec("Ny Hverdag", "private", 0.02, (1, 2, 3), TOWN_SUBURB, date(2024, 6, 1), capacity=400),
    ProviderSpec("Nordlys Care", "private", 0.0, (1, 2), (0, 1), date(2025, 11, 1), status="applied"),
    ProviderSpec("Diakonissestiftelsen", "non_profit", 0.03, (1, 2, 4), (0, 1, 2, 3), date(2006, 1, 1),
                 capacity=800, rating=4.4),
    ProviderSpec("Kirkens Hjemmehjælp", "non_profit", 0.025, (1, 2), None, date(2011, 1, 1), capacity=600,
                 rating=4.3),
)
N_PROVIDERS = len(PROVIDERS)
IN_HOUSE = 1

#: (code, name, services, exposable, exposed on, won by the in-house unit in competition on).
TASKS: tuple[tuple[str, str, tuple[int, ...], bool, date | None, date | None], ...] = (
    ("HJ-PP", "Personal care (free choice)", (S_PERSONAL,), True, date(2003, 1, 1), None),
    ("HJ-REN", "Cleaning (tender 2024)", (S_CLEANING,), True, date(2003, 1, 1), date(2024, 4, 1)),
    ("HJ-IND", "Shopping", (S_SHOPPING,), True, date(2009, 1, 1), None),
    ("HJ-NAT", "Night supervision", (S_NIGHT,), True, None, None),
    ("REH", "Rehabilitation", (), False, None, None),
)

STATUSES = ("done", "missed", "cancelled_citizen", "cancelled_provider", "planned", "in_progress")
STATUS_WEIGHTS = (0.935, 0.008, 0.035, 0.012, 0.006, 0.004)
TIME_BANDS = ("day", "evening", "night", "weekend")
TERMINATION_REASONS = ("needs", "capacity", "conduct", "safety", "other")
TERMINATION_WEIGHTS = (0.35, 0.25, 0.15, 0.1, 0.15)
OUTCOMES = ("upheld", "partly", "rejected")


def day_number(value: date) -> int:
    return (value - EPOCH).days


def _date(value: int) -> date:
    return EPOCH + timedelta(days=int(value))


def period(years: int = DEFAULT_YEARS) -> tuple[date, date]:
    """The benchmark's period: `years` whole years up to PERIOD_END (exclusive)."""
    return PERIOD_END.replace(year=PERIOD_END.year - years), PERIOD_END


# --- Arrow helpers --------------------------------------------------------------------------------


def _choice(rng: np.random.Generator, size: int, weights: Sequence[float]) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    picked: np.ndarray = np.minimum(np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right"),
                                    len(cumulative) - 1)
    return picked


def _row_choice(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of `weights` (rows summing to 0 give -1)."""
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    picked = (rng.random(len(weights)) * total)[:, None] >= cumulative
    index: np.ndarray = np.where(total > 0, np.minimum(picked.sum(axis=1), weights.shape[1] - 1), -1)
    return index


def _strings(indexes: np.ndarray, labels: Sequence[str], null: np.ndarray | None = None) -> pa.Array:
    """Labels by index, built in Arrow (no Python object per row)."""
    array = pa.DictionaryArray.from_arrays(pa.array(indexes.astype(np.int32), mask=null), pa.array(list(labels)))
    return array.cast(pa.string())


def _days(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int32), mask=null).cast(pa.date32())


def _ints(values: np.ndarray, kind: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, mask=null).cast(kind)


def _table(name: str, columns: dict[str, Any]) -> pa.Table:
    target = schema.TABLES[name]
    arrays = [columns[f.name] if isinstance(columns[f.name], pa.Array) else pa.array(columns[f.name], type=f.type)
              for f in target]
    return schema.conform(name, pa.Table.from_arrays(arrays, names=target.names))


def _month_starts(days: np.ndarray) -> np.ndarray:
    months: np.ndarray = days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return months


# --- The population -------------------------------------------------------------------------------


@dataclass
class Population:
    """Citizens and their decision chains (one per citizen and service), drawn once."""

    start: int  # first day of the period
    end: int  # day after the period
    citizens: int
    district: np.ndarray
    birth_year: np.ndarray
    need: np.ndarray
    heavy: np.ndarray
    active_from: np.ndarray  # first day with help
    active_to: np.ndarray  # day after the last day with help (OPEN: still helped)
    rate: np.ndarray  # visits a day while active, scaled to the target
    team: np.ndarray  # the citizen's regular caregivers: an offset into the provider's pool
    chain_of: np.ndarray  # (citizens, services + 1) → chain index, -1: none
    chain_weight: np.ndarray  # (citizens, services + 1) share of the citizen's visits
    # Per chain:
    ch_citizen: np.ndarray
    ch_service: np.ndarray
    v2_day: np.ndarray  # first day of the second decision version (OPEN: none)
    switch_day: np.ndarray  # first day with the second provider (OPEN: none)
    provider_a: np.ndarray
    provider_b: np.ndarray
    #: How the first provider came: -1 chosen actively, 0 the default rule "in_house", 1 "rotation".
    first_rule: np.ndarray
    pools: np.ndarray  # caregivers per provider (index = provider id)


def _approved(day: np.ndarray) -> np.ndarray:
    """(len(day), providers + 1): approved on that day (any service, any district)."""
    out = np.zeros((len(day), N_PROVIDERS + 1), dtype=bool)
    for index, spec in enumerate(PROVIDERS, start=1):
        if spec.status == "applied":
            continue
        until = OPEN if spec.approved_to is None else day_number(spec.approved_to)
        out[:, index] = (day >= day_number(spec.approved_from)) & (day <= until)
    return out


def _eligibility() -> np.ndarray:
    """(services + 1, districts, providers + 1): approved for the service in the district."""
    out = np.zeros((N_SERVICES + 1, len(people.DISTRICTS), N_PROVIDERS + 1), dtype=bool)
    for index, spec in enumerate(PROVIDERS, start=1):
        for service in spec.services:
            for district in spec.districts if spec.districts is not None else range(len(people.DISTRICTS)):
                out[service, district, index] = True
    return out


def _pick(rng: np.random.Generator, service: np.ndarray, district: np.ndarray, day: np.ndarray, *,
          uniform: bool = False, exclude: np.ndarray | None = None) -> np.ndarray:
    """A provider per row approved for the service in the district on the day: by market weight
    (or uniformly, for the rotation default rule), never `exclude`; 0 when none is."""
    weights = np.array([0.0, *(spec.weight for spec in PROVIDERS)])
    if uniform:
        weights = (weights > 0).astype(np.float64)
    allowed = _eligibility()[service, district] & _approved(day)
    if exclude is not None:
        allowed[np.arange(len(day)), exclude] = False
    return _row_choice(rng, allowed * weights[None, :]).clip(min=0)


def _leaving() -> tuple[int, int]:
    """The provider whose approval ends within the period and the first day without it."""
    index, spec = next((i, spec) for i, spec in enumerate(PROVIDERS, start=1) if spec.approved_to is not None)
    return index, day_number(spec.approved_to or PERIOD_END) + 1


def _population(seed: int, visits: int, citizens: int, start: int, end: int) -> Population:
    rng = np.random.default_rng([seed, 0])
    c = citizens
    district = _choice(rng, c, [d.weight for d in people.DISTRICTS])
    young = rng.random(c) < 0.07
    age = np.where(young, rng.uniform(40, 65, c), rng.triangular(65, 84, 102, c)).astype(np.int64)
    birth_year = (_date(end).year - 1 - age).astype(np.int32)
    heavy = rng.random(c) < np.where(age >= 85, 0.34, 0.2)
    need = np.where(heavy, rng.integers(16, 39, c), rng.integers(2, 17, c))
    # Most were helped before the period; a quarter start during it; some stop (death, moving).
    new = rng.random(c) < 0.25
    active_from = np.where(new, start + rng.integers(0, max(1, end - start - 30), c), start - rng.integers(30, 2500, c))
    stops = rng.random(c) < 0.18
    first = np.maximum(active_from, start)
    active_to = np.where(stops, first + 30 + (rng.random(c) * np.maximum(1, end - first - 30)).astype(np.int64), OPEN)
    # Visits a day: the heavy 2–4, the others 2–6 a week; scaled below to hit the target.
    rate = np.where(heavy, rng.uniform(2, 4, c), rng.uniform(2, 6, c) / 7)
    active_days = np.clip(np.minimum(active_to, end) - np.maximum(active_from, start), 0, None)
    expected = float((rate * active_days).sum())
    rate = rate * (visits / expected if expected > 0 else 0.0)
    team = rng.integers(0, 1_000_000, c)

    # Chains: which services a citizen has and the share of its visits each takes.
    has = np.zeros((c, N_SERVICES + 1), dtype=bool)
    share = np.zeros((c, N_SERVICES + 1))
    has[:, S_PERSONAL] = heavy | (rng.random(c) < 0.35)
    has[:, S_CLEANING] = rng.random(c) < np.where(heavy, 0.85, 0.9)
    has[:, S_SHOPPING] = rng.random(c) < np.where(heavy, 0.3, 0.45)
    has[:, S_NIGHT] = heavy & (rng.random(c) < 0.4)
    has[:, S_CLEANING] |= ~has.any(axis=1)
    share[:, S_PERSONAL] = np.where(heavy, 0.75, 0.4)
    share[:, S_CLEANING] = np.where(heavy, 0.08, 0.45)
    share[:, S_SHOPPING] = np.where(heavy, 0.05, 0.2)
    share[:, S_NIGHT] = 0.25
    share = share * has
    share = share / share.sum(axis=1, keepdims=True)
    chain_of = np.full((c, N_SERVICES + 1), -1, dtype=np.int64)
    ch_citizen, ch_service = np.nonzero(has)
    n = len(ch_citizen)
    chain_of[ch_citizen, ch_service] = np.arange(n)

    # Reassessments (a second decision version) and switches, inside the chain's span.
    lo = np.maximum(active_from, start)[ch_citizen]
    hi = np.minimum(active_to, end)[ch_citizen]
    span = hi - lo
    v2_day = np.where((rng.random(n) < 0.25) & (span > 90),
                      lo + 30 + (rng.random(n) * (span - 60)).astype(np.int64), OPEN)
    switch_day = np.where((rng.random(n) < 0.12) & (span > 60),
                          lo + 20 + (rng.random(n) * (span - 40)).astype(np.int64), OPEN)
    ch_district = district[ch_citizen]
    provider_a = _pick(rng, ch_service, ch_district, lo)
    default = rng.random(n) < 0.3
    rotation = default & (rng.random(n) < 0.5)
    provider_a = np.where(default & ~rotation, IN_HOUSE, provider_a)
    provider_a = np.where(rotation, _pick(rng, ch_service, ch_district, lo, uniform=True), provider_a)
    at_switch = np.minimum(switch_day, end - 1)
    provider_b = _pick(rng, ch_service, ch_district, at_switch, exclude=provider_a)
    switch_day = np.where(provider_b == 0, OPEN, switch_day)
    # The provider that leaves: its clients choose again (or are assigned) the day after.
    leaving, exit_day = _leaving()
    current_after_exit = np.where(switch_day <= exit_day, provider_b, provider_a)
    forced = (current_after_exit == leaving) & (hi > exit_day) & (lo < exit_day)
    forced_b = _pick(rng, ch_service, ch_district, np.full(n, exit_day), exclude=np.full(n, leaving))
    switch_day = np.where(forced, exit_day, switch_day)
    provider_b = np.where(forced, forced_b, provider_b)
    # (A client who had switched to it before it left was its client from the start, for simplicity.)
    relabel = forced & (provider_a != leaving)
    provider_a = np.where(relabel, leaving, provider_a)
    default &= ~relabel

    # Caregivers per provider: about eight visits a day each.
    daily = np.bincount(provider_a, weights=(rate[ch_citizen] * share[ch_citizen, ch_service]),
                        minlength=N_PROVIDERS + 1)
    pools = np.maximum(4, np.ceil(daily / 8)).astype(np.int64)
    return Population(start=start, end=end, citizens=c, district=district, birth_year=birth_year,
                      need=need.astype(np.int64), heavy=heavy, active_from=active_from, active_to=active_to,
                      rate=rate, team=team, chain_of=chain_of, chain_weight=share, ch_citizen=ch_citizen,
                      ch_service=ch_service, v2_day=v2_day, switch_day=switch_day, provider_a=provider_a,
                      provider_b=provider_b, first_rule=np.where(default, rotation.astype(np.int64), -1),
                      pools=pools)


# --- The small tables -----------------------------------------------------------------------------


def _static_tables(pop: Population) -> dict[str, pa.Table]:
    m = MUNICIPALITY_ID
    tables: dict[str, pa.Table] = {}
    tables["municipalities"] = _table("municipalities", {
        "municipality_id": [m], "code": ["0999"], "name": ["Fjordby Kommune"], "country": ["DK"],
        "currency": ["DKK"]})
    tables["districts"] = _table("districts", {
        "municipality_id": [m] * len(people.DISTRICTS), "district_id": list(range(1, len(people.DISTRICTS) + 1)),
        "code": [d.code for d in people.DISTRICTS], "name": [d.name for d in people.DISTRICTS],
        "kind": [d.kind for d in people.DISTRICTS]})
    tables["services"] = _table("services", {
        "municipality_id": [m] * N_SERVICES, "service_id": [s[0] for s in SERVICES], "code": [s[1] for s in SERVICES],
        "name": [s[2] for s in SERVICES], "unit": [s[3] for s in SERVICES], "basis": [s[4] for s in SERVICES],
        "care_level": [s[5] for s in SERVICES]})
    tables["providers"] = _table("providers", {
        "provider_id": list(range(1, N_PROVIDERS + 1)), "name": [p.name for p in PROVIDERS],
        "kind": [p.kind for p in PROVIDERS]})
    tables["citizens"] = _table("citizens", {
        "municipality_id": np.full(pop.citizens, m), "citizen_id": np.arange(1, pop.citizens + 1),
        "district_id": pop.district + 1, "birth_year": pop.birth_year, "need_points": pop.need.astype(np.int32)})
    rows: dict[str, list[Any]] = {f.name: [] for f in schema.APPROVALS}
    approval_id = 0
    for index, spec in enumerate(PROVIDERS, start=1):
        for service in spec.services:
            approval_id += 1
            for district in (None,) if spec.districts is None else tuple(d + 1 for d in spec.districts):
                for name, value in (("municipality_id", m), ("approval_id", approval_id), ("provider_id", index),
                                    ("service_id", service), ("district_id", district), ("status", spec.status),
                                    ("from_day", spec.approved_from), ("to_day", spec.approved_to),
                                    ("capacity", spec.capacity), ("accepting", spec.accepting and spec.status ==
                                                                  "approved")):
                    rows[name].append(value)
    tables["approvals"] = _table("approvals", rows)
    tables["tasks"] = _table("tasks", {
        "municipality_id": [m] * len(TASKS), "task_id": list(range(1, len(TASKS) + 1)),
        "code": [t[0] for t in TASKS], "name": [t[1] for t in TASKS], "exposable": [t[3] for t in TASKS],
        "exposed_on": [t[4] for t in TASKS], "in_house_won_on": [t[5] for t in TASKS]})
    pairs = [(task, service) for task, t in enumerate(TASKS, start=1) for service in t[2]]
    tables["task_services"] = _table("task_services", {"task_id": [p[0] for p in pairs],
                                                        "service_id": [p[1] for p in pairs]})
    return tables


def _mean_minutes(service: int) -> float:
    lengths, weights = DURATIONS[service]
    return float(np.dot(lengths, weights) / np.sum(weights))


def _decision_tables(seed: int, pop: Population) -> dict[str, pa.Table]:
    """Decisions (one or two versions per chain), choices (one, or two with a switch) and the
    provider-initiated terminations."""
    rng = np.random.default_rng([seed, 1])
    m = MUNICIPALITY_ID
    n = len(pop.ch_citizen)
    cit = pop.ch_citizen
    chain_from = pop.active_from[cit]
    chain_to = pop.active_to[cit]  # exclusive, OPEN: open
    has_v2 = pop.v2_day < OPEN
    v1_id = np.arange(n, dtype=np.int64) * 2 + 1
    v2_id = v1_id + 1
    need_v2 = pop.need[cit]
    need_v1 = np.where(has_v2, np.maximum(0, need_v2 - rng.integers(1, 7, n)), need_v2)
    mean_minutes = np.array([0.0, *(_mean_minutes(s) for s in range(1, N_SERVICES + 1))])[pop.ch_service]
    monthly = pop.rate[cit] * pop.chain_weight[cit, pop.ch_service] * 30.44 * mean_minutes
    granted = (monthly * rng.uniform(0.9, 1.15, n) / 5).round() * 5
    time_unit = np.array([False, *(s[3] == "hour" for s in SERVICES)])[pop.ch_service]
    ended = chain_to < OPEN
    # Version 1 (ends where version 2 starts), then version 2 where there is one.
    d1_to = np.where(has_v2, pop.v2_day - 1, np.where(ended, chain_to - 1, 0))
    d1_to_null = ~has_v2 & ~ended
    statuses = ("granted", "ended")
    decisions = pa.concat_tables([
        _table("decisions", {
            "municipality_id": np.full(n, m), "decision_id": v1_id, "citizen_id": cit + 1,
            "service_id": pop.ch_service, "status": _strings((has_v2 | ended).astype(np.int64), statuses),
            "version": np.ones(n, np.int32), "previous_id": pa.nulls(n, pa.int64()),
            "decided_day": _days(chain_from - rng.integers(3, 21, n)), "from_day": _days(chain_from),
            "to_day": _days(d1_to, d1_to_null),
            "granted_month_minutes": _ints(np.where(has_v2, granted * 0.85 // 5 * 5, granted).astype(np.int64),
                                           pa.int64(), ~time_unit),
            "need_points": need_v1.astype(np.int32)}),
        _table("decisions", {
            "municipality_id": np.full(int(has_v2.sum()), m), "decision_id": v2_id[has_v2],
            "citizen_id": cit[has_v2] + 1, "service_id": pop.ch_service[has_v2],
            "status": _strings(ended[has_v2].astype(np.int64), statuses),
            "version": np.full(int(has_v2.sum()), 2, np.int32), "previous_id": v1_id[has_v2],
            "decided_day": _days(pop.v2_day[has_v2] - rng.integers(3, 21, int(has_v2.sum()))),
            "from_day": _days(pop.v2_day[has_v2]),
            "to_day": _days(np.where(ended, chain_to - 1, 0)[has_v2], ~ended[has_v2]),
            "granted_month_minutes": _ints(granted[has_v2].astype(np.int64), pa.int64(), ~time_unit[has_v2]),
            "need_points": need_v2[has_v2].astype(np.int32)}),
    ])

    # Choices: the first (active 70 %, else by the default rule), then the switch.
    switched = pop.switch_day < OPEN
    default = pop.first_rule >= 0
    rule = np.maximum(pop.first_rule, 0)
    how_labels = ("active", "default")
    rules = ("in_house", "rotation")
    initiators = ("citizen", "relative", "assessor", "provider", "system")
    active_initiator = _choice(rng, n, (0.65, 0.25, 0.10))
    leaving, exit_day = _leaving()
    forced = switched & (pop.provider_a == leaving) & (pop.switch_day == exit_day)
    by_provider = switched & ~forced & (pop.provider_a != IN_HOUSE) & (
        rng.random(n) < np.where(pop.heavy[cit], 0.35, 0.12))
    second_default = forced & (rng.random(n) < 0.4)
    second_initiator = np.where(second_default, 4, np.where(by_provider, 3, _choice(rng, n, (0.65, 0.25, 0.10))))
    first_to = np.where(switched, pop.switch_day - 1, np.where(ended, chain_to - 1, 0))
    s = switched
    k = int(s.sum())
    choices = pa.concat_tables([
        _table("choices", {
            "municipality_id": np.full(n, m), "choice_id": np.arange(1, n + 1), "decision_id": v1_id,
            "citizen_id": cit + 1, "service_id": pop.ch_service, "provider_id": pop.provider_a,
            "from_day": _days(chain_from), "to_day": _days(first_to, ~switched & ~ended),
            "how": _strings(default.astype(np.int64), how_labels), "default_rule": _strings(rule, rules, ~default),
            "initiated_by": _strings(np.where(default, 4, active_initiator), initiators),
            "is_switch": np.zeros(n, bool)}),
        _table("choices", {
            "municipality_id": np.full(k, m), "choice_id": n + 1 + np.arange(k), "citizen_id": cit[s] + 1,
            "decision_id": np.where(pop.switch_day >= pop.v2_day, v2_id, v1_id)[s],
            "service_id": pop.ch_service[s], "provider_id": pop.provider_b[s], "from_day": _days(pop.switch_day[s]),
            "to_day": _days(np.where(ended, chain_to - 1, 0)[s], ~ended[s]),
            "how": _strings(second_default[s].astype(np.int64), how_labels),
            "default_rule": _strings(np.zeros(k, np.int64), rules, ~second_default[s]),
            "initiated_by": _strings(second_initiator[s], initiators), "is_switch": np.ones(k, bool)}),
    ])

    ends = by_provider | forced
    last_day = pop.switch_day[ends] - 1
    reason = np.where(forced[ends], len(TERMINATION_REASONS),
                      _choice(rng, int(ends.sum()), TERMINATION_WEIGHTS))
    terminations = _table("terminations", {
        "municipality_id": np.full(int(ends.sum()), m), "provider_id": pop.provider_a[ends],
        "citizen_id": cit[ends] + 1, "decision_id": np.where(last_day >= pop.v2_day[ends], v2_id[ends], v1_id[ends]),
        "service_id": pop.ch_service[ends], "last_day": _days(last_day),
        "reason_code": _strings(reason, (*TERMINATION_REASONS, "closing")),
        "need_points": np.where(last_day >= pop.v2_day[ends], need_v2[ends], need_v1[ends]).astype(np.int32)})
    return {"decisions": decisions, "choices": choices, "terminations": terminations}


def _waiting(seed: int, pop: Population) -> pa.Table:
    """The waiting list for night supervision (limited places): about 4 % of the citizens a year."""
    rng = np.random.default_rng([seed, 2])
    years = max(1, round((pop.end - pop.start) / 365))
    n = max(1, round(pop.citizens * 0.04 * years / 3))
    citizen = rng.integers(0, pop.citizens, n)
    need = pop.need[citizen]
    urgent = rng.random(n) < 0.12
    applied = pop.start + rng.integers(0, pop.end - pop.start, n)
    wait = np.where(urgent, rng.exponential(6, n), rng.exponential(45 - need, n)).astype(np.int64) + 1
    outcome = _choice(rng, n, (0.75, 0.1, 0.05, 0.03))  # placed, withdrawn, declined, offered
    placed = (outcome == 0) & (applied + wait < pop.end)
    left = (outcome == 1) | (outcome == 2)
    status = np.where(placed, 2, np.where(left, np.where(outcome == 1, 4, 3), np.where(outcome == 3, 1, 0)))
    left_day = np.minimum(applied + wait, pop.end - 1)
    return _table("waiting", {
        "municipality_id": np.full(n, MUNICIPALITY_ID), "service_id": np.full(n, S_NIGHT), "citizen_id": citizen + 1,
        "need_score": need.astype(np.int32), "urgent": urgent, "applied_day": _days(applied),
        "placed_day": _days(applied + wait, ~placed), "left_day": _days(left_day, ~left),
        "status": _strings(status, ("waiting", "offered", "placed", "declined", "withdrawn"))})


# --- The visits, a month at a time ----------------------------------------------------------------


@dataclass
class _Month:
    visits: pa.Table
    costs: pa.Table
    complaints: pa.Table
    #: provider × (citizens + 1) + citizen of the month's done visits (for the quarter's ratings).
    clients: np.ndarray
    #: In-house performed minutes per service and time band (services + 1, bands).
    in_house_minutes: np.ndarray
    amount: int


def _month(seed: int, index: int, pop: Population, first: int, after: int, count: int) -> _Month:
    rng = np.random.default_rng([seed, 100 + index])
    m = MUNICIPALITY_ID
    days = after - first
    # A (citizen, day) per visit, weighted by the citizen's rate while active.
    day_range = first + np.arange(days)
    active = (pop.active_from[:, None] <= day_range[None, :]) & (day_range[None, :] < pop.active_to[:, None])
    cumulative = np.cumsum((pop.rate[:, None] * active).ravel())
    cell = np.minimum(np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right"),
                      len(cumulative) - 1) if count else np.zeros(0, np.int64)
    cit = cell // days
    day = first + cell % days
    # A service of the citizen's, then the decision version, provider and caregiver of that day.
    weights = np.cumsum(pop.chain_weight[cit], axis=1)
    service = np.minimum((rng.random(count)[:, None] >= weights).sum(axis=1), N_SERVICES)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    practical = (service == S_CLEANING) | (service == S_SHOPPING)
    moved = np.where(day - (weekday - 4) >= first, day - (weekday - 4), day + (7 - weekday))
    moved_ok = practical & (weekday >= 5) & (moved >= pop.active_from[cit]) & (moved < pop.active_to[cit])
    day = np.where(moved_ok, moved, day)
    weekday = (day + 3) % 7
    chain = pop.chain_of[cit, service]
    decision = np.where(day >= pop.v2_day[chain], chain * 2 + 2, chain * 2 + 1)
    provider = np.where(day >= pop.switch_day[chain], pop.provider_b[chain], pop.provider_a[chain])
    pool = pop.pools[provider]
    regular = _choice(rng, count, (0.4, 0.25, 0.15, 0.1, 0.1))
    member = np.where(regular < 4, (pop.team[cit] + regular) % pool, rng.integers(0, 1 << 30, count) % pool)
    caregiver = provider * 100_000 + member + 1

    planned = np.zeros(count, np.int64)
    minute = np.zeros(count, np.int64)
    for sid in DURATIONS:
        mask = service == sid
        k = int(mask.sum())
        if not k:
            continue
        lengths, length_weights = DURATIONS[sid]
        planned[mask] = np.array(lengths)[_choice(rng, k, length_weights)]
        windows, window_weights = WINDOWS[sid]
        w = np.array(windows)[_choice(rng, k, window_weights)]
        minute[mask] = w[:, 0] + 5 * (rng.random(k) * ((w[:, 1] - w[:, 0]) // 5)).astype(np.int64)

    status = _choice(rng, count, STATUS_WEIGHTS)
    done = status == 0
    checked_in = done | (status == 5)
    ratio = np.clip(rng.normal(0.97, 0.12, count), 0.3, 2.0)
    performed = np.maximum(1, (planned * ratio).round()).astype(np.int64)
    no_checkout = ~done | (rng.random(count) < 0.005)
    tail = rng.random(count) < 0.07
    delay = np.where(tail, np.minimum(180, rng.exponential(20, count)).astype(np.int64) + 5,
                     np.maximum(-15, rng.normal(0, 4, count).round()).astype(np.int64))

    order = np.lexsort((minute, day))
    cit, day, service, decision, provider, caregiver = (a[order] for a in (cit, day, service, decision, provider,
                                                                          caregiver))
    planned, minute, status, performed, no_checkout, delay, checked_in, done, weekday = (
        a[order] for a in (planned, minute, status, performed, no_checkout, delay, checked_in, done, weekday))
    month = _month_starts(np.array([first]))[0]
    visits = _table("visits", {
        "municipality_id": pa.array(np.full(count, m, np.int64)), "citizen_id": pa.array(cit + 1),
        "provider_id": pa.array(provider), "service_id": pa.array(service), "decision_id": pa.array(decision),
        "district_id": pa.array(pop.district[cit] + 1), "caregiver_id": pa.array(caregiver),
        "status": _strings(status, STATUSES), "day": _days(day), "month": _days(np.full(count, month)),
        "start_minute": _ints(minute, pa.int16()), "planned_minutes": _ints(planned, pa.int32()),
        "performed_minutes": _ints(performed, pa.int32(), no_checkout),
        "delay_minutes": _ints(delay, pa.int32(), ~checked_in)})

    # Settled cost per provider, service and citizen: performed hours × the hourly price (per visit
    # for night supervision), 3 % less for each year before the period's last.
    settled = done & ~no_checkout
    key = (provider * (N_SERVICES + 1) + service) * (pop.citizens + 1) + cit + 1
    keys, inverse = np.unique(key[settled], return_inverse=True)
    minutes = np.bincount(inverse, weights=performed[settled], minlength=len(keys)).astype(np.int64)
    visits_n = np.bincount(inverse, minlength=len(keys)).astype(np.int64)
    c_citizen = keys % (pop.citizens + 1)
    c_service = (keys // (pop.citizens + 1)) % (N_SERVICES + 1)
    c_provider = keys // (pop.citizens + 1) // (N_SERVICES + 1)
    years_back = _date(pop.end - 1).year - _date(first).year
    price = (PRICES[c_service] * 0.97 ** years_back).round().astype(np.int64)
    amount = np.where(c_service == S_NIGHT, visits_n * price, (minutes * price / 60).round().astype(np.int64))
    last_month = after >= pop.end
    costs = _table("costs", {
        "municipality_id": np.full(len(keys), m), "month": _days(np.full(len(keys), month)),
        "provider_id": c_provider, "service_id": c_service, "citizen_id": c_citizen, "amount_minor": amount,
        "performed_minutes": minutes, "final": np.full(len(keys), not last_month)})

    # Complaints: about 1.2 a month per thousand citizens, about a visit of the month.
    k = int(rng.poisson(pop.citizens * 0.0012)) if count else 0
    about = rng.integers(0, max(1, count), k)
    received = np.minimum(day[about] + rng.integers(0, 10, k), pop.end - 1) if k else np.zeros(0, np.int64)
    undecided = rng.random(k) < np.where(received > pop.end - 60, 0.6, 0.05)
    complaints = _table("complaints", {
        "municipality_id": np.full(k, m), "provider_id": provider[about], "citizen_id": cit[about] + 1,
        "received_day": _days(received), "outcome": _strings(_choice(rng, k, (0.25, 0.2, 0.55)), OUTCOMES,
                                                            undecided)})

    in_house = settled & (provider == IN_HOUSE)
    band = np.where((minute < 420) | (minute >= 1380), 2, np.where(weekday >= 5, 3, np.where(minute < 900, 0, 1)))
    in_house_minutes = np.bincount(service[in_house] * len(TIME_BANDS) + band[in_house], weights=performed[in_house],
                                   minlength=(N_SERVICES + 1) * len(TIME_BANDS)).reshape(N_SERVICES + 1, -1)
    clients = np.unique(provider[settled] * (pop.citizens + 1) + cit[settled] + 1)
    return _Month(visits=visits, costs=costs, complaints=complaints, clients=clients,
                  in_house_minutes=in_house_minutes, amount=int(amount.sum()))


def _ratings(seed: int, quarter: int, quarter_start: int, clients: np.ndarray, citizens: int) -> pa.Table:
    """The survey of a quarter: about 30 % of the clients answer, four questions 1–5."""
    rng = np.random.default_rng([seed, 5000 + quarter])
    answered = clients[rng.random(len(clients)) < 0.3]
    provider = answered // (citizens + 1)
    mean = np.array([4.0, *(p.rating for p in PROVIDERS)])[provider]
    k = len(answered)

    def answer(offset: float) -> np.ndarray:
        values: np.ndarray = np.clip(rng.normal(mean + offset, 0.8, k).round(), 1, 5).astype(np.int16)
        return values

    return _table("ratings", {
        "municipality_id": np.full(k, MUNICIPALITY_ID), "provider_id": provider,
        "citizen_id": answered % (citizens + 1),
        "quarter_start": _days(np.full(k, quarter_start)), "respect": answer(0.2), "on_time": answer(-0.2),
        "same_people": answer(-0.4), "overall": answer(0.0)})


#: Tenders: (services of the lots, share of the period before publication, status). Bids are drawn
#: for tenders whose bids have been opened; the last is still open for bids at the period's end and
#: one was cancelled (both sealed).
TENDERS: tuple[tuple[tuple[int, ...], float, str], ...] = (
    ((S_CLEANING,), 0.02, "contracted"),
    ((S_SHOPPING,), 0.12, "contracted"),
    ((S_PERSONAL, S_NIGHT), 0.25, "contracted"),
    ((S_CLEANING, S_SHOPPING), 0.38, "cancelled"),
    ((S_CLEANING, S_SHOPPING), 0.45, "contracted"),
    ((S_NIGHT,), 0.6, "contracted"),
    ((S_PERSONAL, S_CLEANING, S_SHOPPING), 0.75, "contracted"),
    ((S_NIGHT,), 0.88, "awarded"),
    ((S_PERSONAL, S_CLEANING), 0.97, "published"),
)
OPENED_TENDER_STATUSES = ("opened", "awarded", "contracted")


def _tender_lots(seed: int, pop: Population) -> pa.Table:
    """The lots of the tenders in TENDERS: published at their share of the period, bids until five
    to seven weeks later. Opened lots draw 0–7 bids (rarely none, often few in night supervision),
    the in-house unit's control bid in about half of them, the rest private or non-profit; the
    winner is the in-house unit in about a third of the lots it bid on."""
    rng = np.random.default_rng([seed, 6])
    private_ids = [i for i, spec in enumerate(PROVIDERS, start=1) if spec.kind == "private"]
    non_profit_ids = [i for i, spec in enumerate(PROVIDERS, start=1) if spec.kind == "non_profit"]
    rows: dict[str, list[Any]] = {f.name: [] for f in schema.TENDER_LOTS}
    lot_id = 0
    for tender_id, (services, at, status) in enumerate(TENDERS, start=1):
        published = pop.start + int((pop.end - pop.start) * at)
        deadline = published + int(rng.integers(35, 50))
        opened = status in OPENED_TENDER_STATUSES
        for service in services:
            lot_id += 1
            bids = control = private = winner = None
            if opened:
                outside = int(rng.poisson(1.4 if service == S_NIGHT else 3.2))
                outside = min(outside, len(private_ids) + len(non_profit_ids))
                control = bool(rng.random() < 0.55)
                private = int(rng.binomial(outside, len(private_ids) / (len(private_ids) + len(non_profit_ids))))
                bids = outside + int(control)
                if bids and status != "opened":
                    in_house_wins = control and (outside == 0 or rng.random() < 0.35)
                    winner = "in_house" if in_house_wins else ("private" if private else "non_profit")
            for name, value in (("municipality_id", MUNICIPALITY_ID), ("tender_id", tender_id),
                                ("lot_id", lot_id), ("service_id", service), ("published_day", _date(published)),
                                ("deadline_day", _date(deadline)), ("status", status), ("bids", bids),
                                ("control_bid", control), ("private_bids", private),
                                ("awarded", winner is not None), ("winner_kind", winner)):
                rows[name].append(value)
    return _table("tender_lots", rows)


def _after_calculations(seed: int, pop: Population, per_year: dict[int, np.ndarray]) -> pa.Table:
    """The in-house unit's after-calculation of each year, made on 15 February of the next (those
    made within the period)."""
    rng = np.random.default_rng([seed, 3])
    rows: dict[str, list[Any]] = {f.name: [] for f in schema.AFTER_CALCULATIONS}
    number = 0
    for year, minutes in sorted(per_year.items()):
        made = date(year + 1, 2, 15)
        if day_number(made) >= pop.end:
            continue
        number += 1
        years_back = _date(pop.end - 1).year - year
        for service, code, *_ in SERVICES:
            for band_index, band in enumerate(TIME_BANDS):
                total = int(minutes[service, band_index])
                if total == 0:
                    continue
                hourly = PRICES[service] if SERVICES[service - 1][3] == "hour" else PRICES[service] * 4
                set_price = round(float(hourly) * 0.97 ** years_back)
                actual = round(set_price * float(rng.uniform(0.92, 1.12)))
                for name, value in (("municipality_id", MUNICIPALITY_ID), ("after_calculation_id", number),
                                    ("day", made), ("provider_id", IN_HOUSE), ("service_code", code),
                                    ("time_band", band), ("minutes", total), ("set_price_minor", set_price),
                                    ("actual_price_minor", actual),
                                    ("difference_minor", round((actual - set_price) * total / 60))):
                    rows[name].append(value)
    return _table("after_calculations", rows)


# --- Writing the snapshot -------------------------------------------------------------------------


def snapshot_path(visits: int, root: Path | None = None) -> Path:
    return (root or _var_dir() / "bench") / f"followup-{visits}.duckdb"


def _var_dir() -> Path:
    return Path(os.environ.get("FRIVALG_VAR_DIR", PROJECT_DIR / "var"))


class _Writer:
    """A DuckDB file with one table per snapshot table, filled from Arrow; times its own work."""

    def __init__(self, path: Path) -> None:
        import duckdb

        self.con = duckdb.connect(str(path))
        self.seconds = 0.0
        self.rows = dict.fromkeys(schema.TABLES, 0)
        started = time.perf_counter()
        for name in schema.TABLES:
            self.con.register("empty_table", schema.empty(name))
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM empty_table")  # noqa: S608 - our names
            self.con.unregister("empty_table")
        self.seconds += time.perf_counter() - started

    def append(self, name: str, table: pa.Table) -> None:
        started = time.perf_counter()
        self.con.register("chunk", schema.conform(name, table))
        self.con.execute(f"INSERT INTO {name} SELECT * FROM chunk")  # noqa: S608 - our names
        self.con.unregister("chunk")
        self.seconds += time.perf_counter() - started
        self.rows[name] += table.num_rows

    def close(self) -> None:
        started = time.perf_counter()
        add_monthly_cube(self.con)
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.seconds += time.perf_counter() - started


def _meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def generate(visits: int = DEFAULT_VISITS, *, citizens: int = DEFAULT_CITIZENS, years: int = DEFAULT_YEARS,
             seed: int = 1, root: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The warm snapshot of `visits` visits (drawn unless already there with the same parameters and
    generator version) and the generation's report: rows per table, seconds drawing, seconds
    building the DuckDB file (warming), its size."""
    path = snapshot_path(visits, root)
    wanted = {"seed": seed, "visits": visits, "citizens": citizens, "years": years, "generator": GENERATOR_VERSION}
    meta_path = _meta_path(path)
    if meta_path.exists() and path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in wanted} == wanted:
            return path, {**meta, "reused": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    first_day, end_day = (day_number(d) for d in period(years))
    pop = _population(seed, visits, citizens, first_day, end_day)
    writer = _Writer(partial)
    for name, table in {**_static_tables(pop), **_decision_tables(seed, pop), "waiting": _waiting(seed, pop),
                        "tender_lots": _tender_lots(seed, pop)}.items():
        writer.append(name, table)

    # Months: the visits of each, in proportion to the active citizens' rates (exactly `visits` in all).
    starts = np.unique(_month_starts(np.arange(first_day, end_day)))
    bounds = np.r_[starts, end_day]
    expected = np.array([float((pop.rate * np.clip(np.minimum(pop.active_to, b) - np.maximum(pop.active_from, a), 0,
                                                   None)).sum()) for a, b in itertools.pairwise(bounds)])
    cumulative = np.round(visits * np.cumsum(expected) / max(expected.sum(), 1e-9)).astype(np.int64)
    counts = np.diff(np.r_[0, cumulative])
    per_year: dict[int, np.ndarray] = {}
    budgets: dict[int, int] = {}
    clients: list[np.ndarray] = []
    quarter = 0
    for index, (a, b) in enumerate(itertools.pairwise(bounds)):
        month = _month(seed, index, pop, int(a), int(b), int(counts[index]))
        for name in ("visits", "costs", "complaints"):
            writer.append(name, getattr(month, name))
        year = _date(int(a)).year
        per_year[year] = per_year.get(year, 0) + month.in_house_minutes
        budgets[int(a)] = month.amount
        clients.append(month.clients)
        if _date(int(a)).month % 3 == 0 or index == len(starts) - 1:
            quarter_start = _date(int(a)).replace(month=(_date(int(a)).month - 1) // 3 * 3 + 1)
            quarter_clients = np.unique(np.concatenate(clients))
            writer.append("ratings", _ratings(seed, quarter, day_number(quarter_start), quarter_clients, citizens))
            clients, quarter = [], quarter + 1
        del month
    writer.append("after_calculations", _after_calculations(seed, pop, per_year))
    writer.append("budgets", _budgets(seed, budgets))
    writer.close()
    partial.rename(path)
    seconds = time.perf_counter() - started
    meta = {**wanted, "rows": writer.rows, "seconds": seconds, "warm_seconds": writer.seconds,
            "draw_seconds": seconds - writer.seconds, "bytes": path.stat().st_size,
            "start": _date(first_day).isoformat(), "end": _date(end_day).isoformat(),
            "maxrss_mb": _maxrss_mb()}
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path, {**meta, "reused": False}


def _budgets(seed: int, monthly_cost: dict[int, int]) -> pa.Table:
    """A year's budget in twelve equal months: the year's settled cost × 0.96–1.04."""
    rng = np.random.default_rng([seed, 4])
    by_year: dict[int, int] = {}
    for day, amount in monthly_cost.items():
        by_year[_date(day).year] = by_year.get(_date(day).year, 0) + amount
    factor = {year: rng.uniform(0.96, 1.04) for year in sorted(by_year)}
    days = sorted(monthly_cost)
    return _table("budgets", {
        "municipality_id": [MUNICIPALITY_ID] * len(days), "month": [_date(d) for d in days],
        "amount_minor": [round(by_year[_date(d).year] * factor[_date(d).year] / 12) for d in days]})


# --- The measurement ------------------------------------------------------------------------------


def dashboard_set(start: date, end: date, municipality_id: int | None) -> list[Indicator]:
    """The indicators a dashboard computes for a period: every registered indicator once in total
    and once broken down by every dimension it allows except the municipality, in one call."""
    from frivalg.followup.indicators import REGISTRY

    out: list[Indicator] = []
    for cls in REGISTRY.indicators.values():
        out.append(cls(start=start, end=end, municipality_id=municipality_id))
        by = tuple(d for d in cls.dimensions if d != "municipality")
        if by:
            out.append(cls(start=start, end=end, municipality_id=municipality_id, by=by))
    return out


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, start: date, end: date, municipality_id: int | None = MUNICIPALITY_ID,
            passes: int = 2, cube: bool = True) -> dict[str, Any]:
    """Open the warm snapshot and run the dashboard set `passes` times, each indicator timed (an
    indicator that fails is reported, not fatal). `cube=False` is the reference: the stored
    monthly cube is ignored and every indicator sums the visits itself."""
    from frivalg.followup.engine import Engine, monthly

    indicators = dashboard_set(start, end, municipality_id)
    baseline = _maxrss_mb()
    started = time.perf_counter()
    engine = Engine.from_database(path)
    if not cube:
        engine._tables["visit_months"] = monthly(engine.visits)
    opened = time.perf_counter() - started
    threads = engine.backend.raw_sql("SELECT current_setting('threads')").fetchall()[0][0]
    runs: list[list[dict[str, Any]]] = []
    for _ in range(passes):
        timings: list[dict[str, Any]] = []
        for indicator in indicators:
            began = time.perf_counter()
            entry: dict[str, Any] = {"code": indicator.code, "by": list(indicator.by)}
            try:
                entry["rows"] = indicator.run(engine).num_rows
            except Exception as error:  # a failing indicator is part of the report
                entry["error"] = f"{type(error).__name__}: {error}"[:300]
            entry["seconds"] = time.perf_counter() - began
            timings.append(entry)
        runs.append(timings)
    return {"open_seconds": opened, "threads": int(threads), "passes": runs,
            "totals": [sum(t["seconds"] for t in timings) for timings in runs],
            "baseline_rss_mb": baseline, "maxrss_mb": _maxrss_mb()}


def _child(argv: list[str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "frivalg.followup.bench", *argv]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        reason = "killed (out of memory?)" if done.returncode < 0 else tail
        return {"error": f"exit {done.returncode}: {reason}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_benchmark(visits: int = DEFAULT_VISITS, citizens: int = DEFAULT_CITIZENS, years: int = DEFAULT_YEARS,
                  seed: int = 1, timeout: float = 1800.0) -> dict[str, Any]:
    """Generate (or reuse) the snapshot and measure, each in its own child process; plain data."""
    size = ["--visits", str(visits), "--citizens", str(citizens), "--years", str(years), "--seed", str(seed)]
    print(f"· follow-up snapshot: {visits:,} visits, {citizens:,} citizens, {years} years …", file=sys.stderr,
          flush=True)
    load_before = _load()
    generated = _child(["--child", "generate", *size], timeout)
    result: dict[str, Any] = {"visits": visits, "citizens": citizens, "years": years, "seed": seed,
                              "target_seconds": TARGET_SECONDS, "generated": generated,
                              "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                              "machine": _machine()}
    if "error" in generated:
        result["measured"] = {"error": "no snapshot"}
        return result
    print("· follow-up indicators on the warm snapshot …", file=sys.stderr, flush=True)
    result["measured"] = _child(["--child", "measure", *size], timeout)
    print("· the reference: the same indicators without the stored cube …", file=sys.stderr, flush=True)
    result["reference"] = _child(["--child", "reference", *size], timeout)
    result["load"] = [load_before, _load()]
    return result


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} × {cpu}"


# --- The report -----------------------------------------------------------------------------------


def per_indicator(measured: dict[str, Any]) -> list[dict[str, Any]]:
    """Per indicator code: seconds in total and broken down (first and last pass), rows, errors;
    slowest first."""
    first, last = measured["passes"][0], measured["passes"][-1]
    out: dict[str, dict[str, Any]] = {}
    for pass_index, timings in ((0, first), (1, last)):
        for entry in timings:
            row = out.setdefault(entry["code"], {"code": entry["code"], "total": [0.0, 0.0], "by": [0.0, 0.0],
                                                 "rows": [0, 0], "breakdown": "", "errors": []})
            slot = "by" if entry["by"] else "total"
            row[slot][pass_index] = entry["seconds"]
            if entry["by"]:
                row["breakdown"] = ", ".join(entry["by"])
            row["rows"][1 if entry["by"] else 0] = entry.get("rows", 0)
            if "error" in entry and entry["error"] not in row["errors"]:
                row["errors"].append(entry["error"])
    return sorted(out.values(), key=lambda r: -(r["total"][0] + r["by"][0]))


def markdown(result: dict[str, Any]) -> list[str]:
    """The "## Follow-up indicators" section of docs/benchmarks.md."""
    gen, measured = result["generated"], result["measured"]
    lines = [
        "## Follow-up indicators",
        "",
        "`python -m frivalg.followup.bench` (run by `make bench`). The issue's target: every indicator for a",
        f"municipality of {result['citizens']:,} citizens with {result['years']} years of visits in "
        f"**≤ {result['target_seconds']:.0f} s** from a warm snapshot.",
        "",
        "The snapshot is drawn with numpy (seed 1) straight into a DuckDB file with the tables of",
        "`followup/snapshot_schema.py`, a month at a time: 8 districts, 4 services, 15 providers (the in-house",
        "unit, twelve private — one entering, one leaving, one applying — and two non-profit) with served",
        "districts, a quarter of the citizens heavy (2–4 visits a day) and the rest with 2–6 visits a week,",
        "decisions in versions, choices with switches, default assignments and provider terminations,",
        "caregivers per provider, missed and cancelled visits, check-in delays with a tail, settled costs",
        "per month, budgets, after-calculations, ratings per quarter, complaints, a waiting list, the",
        "task list and the lots of nine tenders. *Warming* is the time DuckDB took to build the file from",
        "the Arrow tables (drawing them is not counted). The indicators then run in a fresh process on the",
        "file (`Engine.from_database`), each with the parameter sets of a dashboard",
        "(`followup.bench.dashboard_set`: the whole period for the municipality, once in total and once",
        "broken down by every dimension the indicator allows),",
        "twice: the first pass reads the file, the second finds DuckDB's buffers warm. Peak memory is the",
        "measuring process's `ru_maxrss`. A load average above the number of cores means other work shared",
        "the machine, and the times are longer than on an idle one.",
        "",
    ]
    if "error" in gen:
        return [*lines, f"The snapshot could not be generated: {gen['error']}.", ""]
    rows = gen["rows"]
    lines += [
        "| | |",
        "|---|---|",
        f"| run on | {result['started']}, {result['machine']} |",
        *([f"| load average (1/5/15 min) | before {result['load'][0]}; after {result['load'][1]} |"]
          if "load" in result else []),
        f"| period | {gen['start']} – {gen['end']} (exclusive) |",
        f"| visits | {rows['visits']:,} |",
        f"| citizens | {rows['citizens']:,} |",
        f"| decisions / choices / costs rows | {rows['decisions']:,} / {rows['choices']:,} / {rows['costs']:,} |",
        f"| DuckDB file | {gen['bytes'] / 1024 / 1024:,.0f} MB |",
        f"| warming (Arrow → DuckDB file) | {gen['warm_seconds']:.1f} s (drawing: {gen['draw_seconds']:.1f} s, "
        f"peak {gen['maxrss_mb']:,.0f} MB) |",
    ]
    if "error" in measured:
        return [*lines, "", f"The measurement failed: {measured['error']}.", ""]
    first, last = measured["totals"][0], measured["totals"][-1]
    indicators = per_indicator(measured)
    failed = [r for r in indicators if r["errors"]]
    met = first <= result["target_seconds"] and not failed
    lines += [
        f"| indicators | {len(indicators)} ({len(measured['passes'][0])} runs per pass) |",
        f"| DuckDB threads | {measured['threads']} |",
        f"| opening the file | {measured['open_seconds']:.2f} s |",
        f"| **all indicators, first pass** | **{first:.2f} s** |",
        f"| all indicators, second pass | {last:.2f} s |",
        f"| peak memory | {measured['maxrss_mb']:,.0f} MB ({measured['baseline_rss_mb']:,.0f} MB before opening) |",
        f"| target ≤ {result['target_seconds']:.0f} s (first pass) | {'**met**' if met else '**not met**'} |",
        *_reference_lines(result, first),
        "",
        "| indicator | breakdown | total s | broken down s | second pass s | rows (total / broken down) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in indicators:
        lines.append(f"| `{r['code']}` | {r['breakdown'] or '—'} | {r['total'][0]:.2f} | {r['by'][0]:.2f} | "
                     f"{r['total'][1] + r['by'][1]:.2f} | {r['rows'][0]:,} / {r['rows'][1]:,} |")
    if failed:
        lines += ["", "Failed:", ""] + [f"- `{r['code']}`: {'; '.join(r['errors'])}" for r in failed]
    if not met and indicators:
        slow = indicators[:3]
        lines += ["", "The slowest: " + ", ".join(f"`{r['code']}` {r['total'][0] + r['by'][0]:.2f} s" for r in slow)
                  + "."]
    return [*lines, ""]


def _reference_lines(result: dict[str, Any], first: float) -> list[str]:
    """The reference run: each indicator summing the visits itself (no stored cube), one pass."""
    reference = result.get("reference")
    if not reference or "error" in reference:
        return [f"| reference (no stored cube) | {reference.get('error', 'not run') if reference else 'not run'} |"]
    seconds = reference["totals"][0]
    return [f"| reference: the same without the stored monthly cube | {seconds:.2f} s "
            f"(the cube makes the set **{seconds / first:.1f}×** faster; peak {reference['maxrss_mb']:,.0f} MB) |"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--visits", type=int, default=DEFAULT_VISITS)
    parser.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS)
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of a table")
    parser.add_argument("--child", choices=("generate", "measure", "reference"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "generate":
        _, meta = generate(args.visits, citizens=args.citizens, years=args.years, seed=args.seed)
        print(json.dumps(meta))
        return
    if args.child in ("measure", "reference"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frivalg.settings")
        import django

        django.setup()
        path, _ = generate(args.visits, citizens=args.citizens, years=args.years, seed=args.seed)
        start, end = period(args.years)
        if args.child == "measure":
            print(json.dumps(measure(path, start, end)))
        else:
            print(json.dumps(measure(path, start, end, passes=1, cube=False)))
        return
    result = run_benchmark(args.visits, args.citizens, args.years, args.seed)
    print(json.dumps(result, indent=1) if args.json else "\n".join(markdown(result)))


if __name__ == "__main__":
    main()
