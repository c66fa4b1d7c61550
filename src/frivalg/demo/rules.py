"""Calibration targets and the pure samplers of the demo municipality. No Django, no I/O: every
draw takes a `random.Random` seeded by the caller, so the same seed gives the same municipality.

Calibration (the figures quoted in the foundation issue, #2):

* Danmarks Statistik, Statistikbanken, *Visiteret hjælp i eget hjem* — AED021 (hours of home help
  granted per week, average per recipient) and AED06 (recipients by granted hours per week), 2022:
  on average **3.2 granted ("visiterede") hours per week**; **67 %** of recipients get under 2 hours,
  **22 %** 2–8 hours, **9 %** 8–20 hours and **2 %** 20 hours or more.
* Danmarks Statistik / KL on free choice (frit valg) in home help: about **40 %** of recipients
  have chosen a private provider.

The weekly hours are home help under Serviceloven § 83 (practical help and personal care); meals
and home nursing are granted on top and are not counted, as in the statistics."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

SOURCE = (
    "Danmarks Statistik, Statistikbanken AED021/AED06 (visiteret hjemmehjælp, frit valg, 2022) "
    "and Danmarks Statistik/KL on free choice of provider, as quoted in issue #2"
)


@dataclass(frozen=True)
class HoursBand:
    """Recipients with granted home help in [low, high) hours per week (high None: open)."""

    label: str
    low: float
    high: float | None
    share: float

    def contains(self, hours: float) -> bool:
        return hours >= self.low and (self.high is None or hours < self.high)


@dataclass(frozen=True)
class Calibration:
    year: int
    mean_weekly_hours: float
    bands: tuple[HoursBand, ...]
    private_share: float
    source: str = SOURCE


CALIBRATION = Calibration(
    year=2022,
    mean_weekly_hours=3.2,
    bands=(
        HoursBand("under 2 h", 0.0, 2.0, 0.67),
        HoursBand("2–8 h", 2.0, 8.0, 0.22),
        HoursBand("8–20 h", 8.0, 20.0, 0.09),
        HoursBand("20 h or more", 20.0, None, 0.02),
    ),
    private_share=0.40,
)

#: Share of decisions whose provider was assigned by the default rule (the citizen did not
#: choose within the deadline). The municipality's rule: the in-house provider.
DEFAULT_ASSIGNED_SHARE = 0.10
#: Share of home-help recipients who switched provider during a year (Danish surveys: 5–10 %).
YEARLY_SWITCH_SHARE = 0.07
#: The visit window holds at most this many visits unless told otherwise: the whole history at the
#: default 2,000 citizens (about 0.55 million), a window centred on today at 100,000 citizens
#: (whose year would be about 30 million visits).
DEFAULT_VISIT_BUDGET = 1_000_000


def _below(rng: random.Random, n: int) -> int:
    """A whole number in [0, n): `randrange` without its argument checks (the hot path draws
    millions)."""
    return int(rng.random() * n)


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low))


def band_index(hours: float, calibration: Calibration = CALIBRATION) -> int:
    for index, band in enumerate(calibration.bands):
        if band.contains(hours):
            return index
    raise ValueError(f"no band for {hours} hours")


#: Within each band the weekly hours are low + width · u^shape (u uniform), skewed towards the
#: band's lower end as the published distributions are; the last band is capped at 40 hours.
#: The shapes are chosen so the overall mean is the published 3.2 hours (see `expected_mean`).
_BAND_SHAPES: tuple[tuple[float, float, float], ...] = (
    (0.25, 1.75, 1.55),  # 15 min … 2 h: mostly practical help every week or fortnight
    (2.0, 6.0, 1.75),
    (8.0, 12.0, 1.6),
    (20.0, 20.0, 1.9),
)


def expected_mean(calibration: Calibration = CALIBRATION) -> float:
    """The mean weekly hours the sampler draws (before rounding to 5 minutes)."""
    return sum(
        band.share * (low + width / (shape + 1))
        for band, (low, width, shape) in zip(calibration.bands, _BAND_SHAPES, strict=True)
    )


def sample_weekly_minutes(rng: random.Random, calibration: Calibration = CALIBRATION) -> int:
    """Granted home help in minutes per week, a multiple of 5, drawn from the published distribution."""
    draw = rng.random()
    cumulative = 0.0
    index = len(calibration.bands) - 1
    for i, band in enumerate(calibration.bands):
        cumulative += band.share
        if draw < cumulative:
            index = i
            break
    low, width, shape = _BAND_SHAPES[index]
    hours = low + width * rng.random() ** shape
    minutes = int(hours * 12) * 5  # floor to 5 minutes keeps the draw inside its band
    return max(15, minutes)


# --- Care plans: how the weekly minutes become decisions and recurring visits -----------------

#: Service keys of the demo catalogue (its codes); FSIII codes are looked up in the loaded system.
CLEANING = "PH-REN"
LAUNDRY = "PH-TOJ"
SHOPPING = "PH-IND"
HYGIENE = "PP-HYG"
NUTRITION = "PP-ERN"
SUPERVISION = "PP-TIL"
MEALS = "MAD"
NURSING = "SYG-MED"

PRACTICAL_KEYS = frozenset({CLEANING, LAUNDRY, SHOPPING})
PERSONAL_KEYS = frozenset({HYGIENE, NUTRITION, SUPERVISION})
HOME_HELP_KEYS = PRACTICAL_KEYS | PERSONAL_KEYS

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


class Slot(NamedTuple):
    """A recurring visit: at local `minute` of the day for `duration` minutes on `weekdays`, every
    `every_weeks` weeks (the week parity `phase` when every other week)."""

    minute: int
    duration: int
    weekdays: tuple[int, ...]
    every_weeks: int = 1
    phase: int = 0

    def visits_per_week(self) -> float:
        return len(self.weekdays) / self.every_weeks


class Grant(NamedTuple):
    """One decision of a care plan: `amount` minutes per `frequency` (week or day) of a service."""

    service: str
    amount: int
    frequency: str
    slots: tuple[Slot, ...]

    def weekly_minutes(self) -> int:
        return self.amount * 7 if self.frequency == "day" else self.amount


class CarePlan(NamedTuple):
    """A citizen's grants; `weekly` is the granted home help (practical help and personal care)
    in minutes per week, the figure the calibration is about."""

    grants: tuple[Grant, ...]
    weekly: int
    personal: bool
    practical: bool

    @classmethod
    def of(cls, grants: tuple[Grant, ...]) -> CarePlan:
        return cls(
            grants,
            sum(g.weekly_minutes() for g in grants if g.service in HOME_HELP_KEYS),
            any(g.service in PERSONAL_KEYS for g in grants),
            any(g.service in PRACTICAL_KEYS for g in grants),
        )

    def weekly_minutes(self) -> int:
        return self.weekly

    def has_personal_care(self) -> bool:
        return self.personal

    def has_practical_help(self) -> bool:
        return self.practical

    def practical_only(self) -> bool:
        return self.practical and not self.personal

    def visits_per_week(self) -> float:
        return sum(s.visits_per_week() for g in self.grants for s in g.slots)


def _clock(rng: random.Random, start: int, end: int) -> int:
    """A local minute of the day in [start, end), on a 5-minute grid."""
    return start + 5 * _below(rng, (end - start) // 5)


def _practical(rng: random.Random, minutes: int) -> list[Grant]:
    """Practical help worth `minutes` a week: cleaning (weekly or fortnightly), laundry, shopping."""
    grants: list[Grant] = []
    day = _below(rng, 5)
    remaining = minutes
    if remaining >= 50 and rng.random() < 0.35:
        grants.append(Grant(SHOPPING, 20, "week", (Slot(_clock(rng, 600, 780), 20, ((day + 2) % 5,)),)))
        remaining -= 20
    if remaining >= 45 and rng.random() < 0.4:
        grants.append(Grant(LAUNDRY, 15, "week", (Slot(_clock(rng, 540, 840), 30, ((day + 1) % 5,), 2,
                                                         _below(rng, 2)),)))
        remaining -= 15
    slots: tuple[Slot, ...]
    if remaining <= 45:
        slots = (Slot(_clock(rng, 510, 840), 2 * remaining, (day,), 2, _below(rng, 2)),)
    elif remaining <= 120:
        slots = (Slot(_clock(rng, 510, 840), remaining, (day,)),)
    else:
        half = remaining // 2
        slots = (Slot(_clock(rng, 510, 780), half, (day,)), Slot(_clock(rng, 510, 780), remaining - half,
                                                                  ((day + 3) % 5,)))
    grants.insert(0, Grant(CLEANING, remaining, "week", tuple(slots)))
    return grants


def _personal(rng: random.Random, minutes: int, heavy: bool) -> list[Grant]:
    """Personal care worth about `minutes` a week: weekly baths, or daily visits split over the day."""
    if minutes < 70:
        days = (_below(rng, 5),) if minutes <= 45 else (0, 3)
        per_visit = minutes // len(days)
        return [Grant(HYGIENE, per_visit * len(days), "week",
                      (Slot(_clock(rng, 450, 600), max(per_visit, 10), days),))]
    daily = max(10, round(minutes / 7))
    if daily <= 30:
        return [Grant(HYGIENE, daily, "day", (Slot(_clock(rng, 420, 600), daily, ALL_DAYS),))]
    if daily <= 60:
        morning = round(daily * 0.6)
        return [Grant(HYGIENE, daily, "day", (Slot(_clock(rng, 420, 570), morning, ALL_DAYS),
                                              Slot(_clock(rng, 1140, 1290), daily - morning, ALL_DAYS)))]
    night = 20 if heavy else 0
    nutrition = max(15, round((daily - night) * 0.25))
    hygiene = daily - night - nutrition
    morning = round(hygiene * 0.6)
    grants = [
        Grant(HYGIENE, hygiene, "day", (Slot(_clock(rng, 420, 540), morning, ALL_DAYS),
                                        Slot(_clock(rng, 1170, 1290), hygiene - morning, ALL_DAYS))),
    ]
    if nutrition >= 40:
        lunch = nutrition // 2
        grants.append(Grant(NUTRITION, nutrition, "day", (Slot(_clock(rng, 690, 780), lunch, ALL_DAYS),
                                                          Slot(_clock(rng, 1020, 1080), nutrition - lunch,
                                                               ALL_DAYS))))
    else:
        grants.append(Grant(NUTRITION, nutrition, "day", (Slot(_clock(rng, 690, 780), nutrition, ALL_DAYS),)))
    if night:
        grants.append(Grant(SUPERVISION, night, "day", (Slot(_clock(rng, 1385, 1435), 10, ALL_DAYS),
                                                        Slot(_clock(rng, 150, 210), 10, ALL_DAYS))))
    return grants


def care_plan(rng: random.Random, weekly_minutes: int) -> CarePlan:
    """Decisions and recurring visits adding up to (about: daily care is whole minutes a day)
    `weekly_minutes` of home help, plus meals and home nursing for some."""
    light = weekly_minutes < 120
    draw = rng.random()
    if light:
        kind = "practical" if draw < 0.70 else "personal" if draw < 0.82 else "mixed"
    else:
        kind = "personal" if draw < 0.15 else "mixed"
    if kind == "mixed" and weekly_minutes < 100:
        kind = "practical"
    grants: list[Grant] = []
    if kind == "practical":
        grants += _practical(rng, weekly_minutes)
    elif kind == "personal":
        grants += _personal(rng, weekly_minutes, heavy=weekly_minutes >= 1200)
    else:
        practical = min(weekly_minutes - 70, rng.choice((30, 30, 45, 60, 60, 90)))
        grants += _practical(rng, practical)
        grants += _personal(rng, weekly_minutes - practical, heavy=weekly_minutes >= 1200)
    heavy_share = min(1.0, weekly_minutes / 900)
    if rng.random() < 0.12 + 0.3 * heavy_share:
        grants.append(Grant(MEALS, rng.choice((5, 7, 7)), "week", ()))
    if rng.random() < 0.08 + 0.4 * heavy_share:
        grants.append(Grant(NURSING, 15, "week", (Slot(_clock(rng, 600, 900), 15, (_below(rng, 5),)),)))
    return CarePlan.of(tuple(grants))


def scaled_plan(rng: random.Random, plan: CarePlan, factor: float) -> CarePlan:
    """The plan an earlier decision granted: the same services with `factor` of the time."""
    return care_plan(rng, max(15, int(plan.weekly * factor / 5) * 5))


# --- Function ability (FSIII) consistent with the granted hours --------------------------------

#: The FSIII condition sub-areas scored by the demo assessments (codes of the loaded CodeSystem).
SCORED_AREAS: tuple[str, ...] = (
    "J1.1", "J1.3", "J1.8",  # self-care: wash, dress, use the toilet
    "J2.1", "J2.4",  # practical tasks: housework, shopping
    "J3.5", "J3.8",  # mobility: transfer, walk
    "J4.2",  # mental functions: memory
    "J5.1",  # community life: paid work
)
NOT_RELEVANT = 9


def severity(weekly_minutes: int) -> float:
    """Need on a 0–1 scale from the granted minutes (log scale: 15 min → ~0.07, 40 h → 1)."""
    return min(1.0, math.log1p(weekly_minutes / 60) / math.log1p(40))


def _score(value: float) -> int:
    return 0 if value < 0.5 else 4 if value >= 3.5 else int(value + 0.5)


def fsiii_scores(rng: random.Random, plan: CarePlan, age: int, dementia: bool) -> dict[str, int]:
    """Scores 0–4 (9 = not relevant) that explain the plan: practical help rests on J2, personal
    care on J1 and J3, dementia shows in J4; paid work is not relevant after 65. The noise is
    triangular, ±0.6."""
    s = severity(plan.weekly)
    personal = plan.personal
    practical = plan.practical
    random_ = rng.random
    j1 = 1.3 + 2.7 * s if personal else 0.3 + 0.8 * s
    j2 = 1.8 + 2.2 * s if practical else 1.0 + 2.0 * s
    j3 = 0.8 + 2.8 * s
    j4 = 2.2 + 1.6 * s if dementia else 0.2 + 0.8 * s
    scores = {
        "J1.1": _score(j1 + 0.6 * (random_() - random_())),
        "J1.3": _score(j1 - 0.2 + 0.6 * (random_() - random_())),
        "J1.8": _score(j1 - 0.5 + 0.6 * (random_() - random_())),
        "J2.1": _score(j2 + 0.6 * (random_() - random_())),
        "J2.4": _score(j2 - 0.2 + 0.6 * (random_() - random_())),
        "J3.5": _score(j3 - 0.4 + 0.6 * (random_() - random_())),
        "J3.8": _score(j3 + 0.6 * (random_() - random_())),
        "J4.2": _score(j4 + 0.6 * (random_() - random_())),
        "J5.1": NOT_RELEVANT if age >= 65 else _score(1.5 + 2 * s + 0.6 * (random_() - random_())),
    }
    if practical and scores["J2.1"] < 2:
        scores["J2.1"] = 2
    if personal and scores["J1.1"] < 2:
        scores["J1.1"] = 2
    return scores


# --- Prices ------------------------------------------------------------------------------------

#: Hourly price of weekday daytime, in-house, current year, in whole DKK, per kind of service.
BASE_HOURLY_DKK = {"practical": 375, "personal": 405, "nursing": 400}
#: Multipliers per time band (the catalogue's bands): evening, night, weekend and holidays cost more.
BAND_FACTORS = {"day": 1.00, "evening": 1.10, "night": 1.24, "weekend": 1.16, "holiday": 1.28}
#: Private and non-profit providers get the in-house price plus a fixed overhead for VAT and
#: administration they carry and the in-house unit does not (Danish practice: 1–5 %).
KIND_FACTORS = {"in_house": 1.00, "private": 1.04, "non_profit": 1.04}
#: Yearly price and wage regulation between the previous and the current rate table.
YEARLY_REGULATION = 1.027
MEAL_PRICE_DKK = 58
PRICE_RANGE_DKK = (365, 560)


def hourly_rate_minor(group: str, band: str, provider_kind: str, years_back: int = 0) -> int:
    """The price per hour in øre, whole kroner, for a service group in a band for a kind of provider;
    `years_back` 1 is last year's table (before this year's regulation)."""
    amount = (BASE_HOURLY_DKK[group] * BAND_FACTORS[band] * KIND_FACTORS[provider_kind]
              / YEARLY_REGULATION ** years_back)
    return round(amount) * 100


def meal_price_minor(years_back: int = 0) -> int:
    return round(MEAL_PRICE_DKK / YEARLY_REGULATION ** years_back) * 100


# --- Delivery: what happened to a planned visit -------------------------------------------------

DONE = "done"
MISSED = "missed"
CANCELLED_CITIZEN = "cancelled_citizen"
CANCELLED_PROVIDER = "cancelled_provider"

#: Per planned visit in the past. Danish and Swedish follow-up reports: 1–2 % missed, 4–6 %
#: cancelled by the citizen, under 1 % cancelled by the provider.
P_MISSED = 0.012
P_CANCELLED_CITIZEN = 0.045
P_CANCELLED_PROVIDER = 0.008
#: Of the citizens' cancellations, the share with short notice (under 24 hours: part paid).
P_SHORT_NOTICE = 0.4
P_LATE = 0.07  # checked in 20–90 minutes late
P_OVERRUN = 0.06  # performed 120–170 % of the planned time
P_UNDERRUN = 0.10  # performed 45–80 % of the planned time


class Outcome(NamedTuple):
    """What happened to one visit: the status; for a done visit the check-in offset from the
    planned start and the performed time (seconds) and the method; for a cancellation the notice
    given (minutes before the planned start)."""

    status: str
    check_in_offset: int = 0
    performed: int = 0
    method: str = ""
    notice: int = 0


_CUT_MISSED = P_MISSED
_CUT_CITIZEN = _CUT_MISSED + P_CANCELLED_CITIZEN
_CUT_PROVIDER = _CUT_CITIZEN + P_CANCELLED_PROVIDER
_CUT_UNDERRUN = P_OVERRUN + P_UNDERRUN
_OUTCOME_MISSED = Outcome(MISSED)


def visit_outcome(rng: random.Random, planned_minutes: int) -> Outcome:
    """Draw what happened to a past visit of `planned_minutes`. Called once per visit, so it is
    written for speed: plain draws, no argument checks."""
    random_ = rng.random
    draw = random_()
    if draw < _CUT_PROVIDER:
        if draw < _CUT_MISSED:
            return _OUTCOME_MISSED
        if draw < _CUT_CITIZEN:
            short = random_() < P_SHORT_NOTICE
            # Short: half an hour to 22 hours before; else 26 hours to 10 days before.
            notice = 30 + int(random_() * 1290) if short else 1560 + int(random_() * 12960)
            return Outcome(CANCELLED_CITIZEN, 0, 0, "", notice)
        return Outcome(CANCELLED_PROVIDER, 0, 0, "", 20 + int(random_() * 300))
    # 20–90 minutes late, else about −8 … +10 minutes around the planned start.
    offset = 1200 + int(random_() * 4200) if random_() < P_LATE else int((random_() + random_() - 0.9) * 540)
    ratio_draw = random_()
    if ratio_draw < P_OVERRUN:
        ratio = 1.2 + 0.5 * random_()
    elif ratio_draw < _CUT_UNDERRUN:
        ratio = 0.45 + 0.35 * random_()
    else:
        ratio = 0.88 + 0.22 * random_()
    performed = max(60, int(planned_minutes * 60 * ratio) - 30 + int(random_() * 60))
    method_draw = random_()
    method = "app" if method_draw < 0.90 else "phone" if method_draw < 0.97 else "manual"
    return Outcome(DONE, offset, performed, method, 0)


# --- Absences ----------------------------------------------------------------------------------

HOSPITAL = "hospital"
HOLIDAY = "holiday"


@dataclass(frozen=True)
class AbsenceSpan:
    kind: str
    start: int  # day index, inclusive
    end: int | None  # day index, inclusive; None while it lasts (still admitted)
    planned: bool


def absences(rng: random.Random, need: float, first_day: int, today: int) -> list[AbsenceSpan]:
    """Hospital stays (unannounced; heavier needs, more admissions: 0.25–0.9 a year, 2–21 days)
    and holidays away (announced, 7–14 days) between `first_day` and `today` (day indexes). A stay
    that began in the last days may still be going on (no end)."""
    spans: list[AbsenceSpan] = []
    days = today - first_day
    if days <= 0:
        return spans
    years = days / 365
    admissions = _poisson(rng, (0.25 + 0.65 * need) * years)
    for _ in range(admissions):
        start = first_day + _below(rng, days)
        length = 2 + min(19, int(rng.expovariate(1 / 5)))
        end: int | None = start + length - 1
        if end is not None and end >= today:
            end = None if rng.random() < 0.6 else today + _between(rng, 1, 8)
        spans.append(AbsenceSpan(HOSPITAL, start, end, False))
    if rng.random() < 0.06 * years:
        start = first_day + _below(rng, days)
        spans.append(AbsenceSpan(HOLIDAY, start, start + 6 + _below(rng, 8), True))
    spans.sort(key=lambda span: span.start)
    merged: list[AbsenceSpan] = []
    for span in spans:
        if merged:
            last = merged[-1]
            if last.end is None or span.start <= last.end + 1:
                continue  # overlapping stays: keep the first
        merged.append(span)
    return merged


def _poisson(rng: random.Random, mean: float) -> int:
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


# --- People ------------------------------------------------------------------------------------


def birth_date(rng: random.Random, today: date) -> date:
    """Mostly 65–100 years old (mode about 86), with some younger citizens with disabilities."""
    age = 40 + rng.random() * 25 if rng.random() < 0.07 else min(101.0, rng.triangular(65, 102, 87))
    return today - timedelta(days=int(age * 365.25))


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def national_id(born: date, serial: int) -> str:
    """A CPR-shaped number that can never be real: the serial carries the letter X
    (e.g. 120338-X042)."""
    return f"{born:%d%m%y}-X{serial:03d}"
