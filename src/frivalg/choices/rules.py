"""Pure rules for choosing and switching providers and for the default rule. No Django."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

#: Days from a switch request until the new provider takes over (configurable per call).
DEFAULT_SWITCH_NOTICE_DAYS = 10


@dataclass(frozen=True)
class Candidate:
    """A provider that could be assigned: approved for the service, serving the district."""

    provider_id: int
    kind: str
    capacity_left: int | None  # None = no stated limit
    default_assignments: int
    serves_district: bool


def switch_effective_date(today: date, notice_days: int) -> date:
    if notice_days < 0:
        raise ValueError("notice cannot be negative")
    return today + timedelta(days=notice_days)


def has_capacity(candidate: Candidate) -> bool:
    return candidate.capacity_left is None or candidate.capacity_left > 0


def pick_default(rule: str, candidates: Sequence[Candidate], seed: str) -> int | None:
    """The provider the default rule assigns, or None if nobody can take the citizen.

    - rotation: the provider with the fewest default assignments so far (ties: lowest id);
    - lottery: a draw weighted by remaining capacity, reproducible from `seed`;
    - nearest: a provider serving the citizen's district with the most capacity left (only when
      none in the district has room, a provider outside it);
    - in_house: the municipality's own provider.
    """
    eligible = [c for c in candidates if has_capacity(c)]
    if rule == "in_house":
        in_house = [c for c in eligible if c.kind == "in_house"]
        return in_house[0].provider_id if in_house else None
    local = [c for c in eligible if c.serves_district]
    if rule == "nearest" and not local:
        local = eligible  # nobody in the district has room: the next nearest with capacity
    if not local:
        return None
    if rule == "rotation":
        return min(local, key=lambda c: (c.default_assignments, c.provider_id)).provider_id
    if rule == "nearest":
        return max(local, key=lambda c: (c.capacity_left if c.capacity_left is not None else 10**9,
                                         -c.provider_id)).provider_id
    if rule == "lottery":
        ordered = sorted(local, key=lambda c: c.provider_id)
        weights = [c.capacity_left if c.capacity_left is not None else 50 for c in ordered]
        return random.Random(seed).choices(ordered, weights=weights, k=1)[0].provider_id
    raise ValueError(f"unknown default rule {rule!r}")


# --- quality figures (computed by the selectors from the data, judged here) -----------------

#: A satisfaction mean is shown only from this many answers: fewer could identify a person and
#: say little.
MIN_RATINGS_SHOWN = 5
#: A visit is punctual when checked in this close to the planned start (either side).
PUNCTUAL_WITHIN_MINUTES = 15
#: Continuity counts visits between these local hours over this many days.
CONTINUITY_DAYS = 14
CONTINUITY_HOURS = (7, 22)

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class CitizenVisits:
    """One citizen's done visits with one provider in the continuity window."""

    visits: int
    days_with_visits: int
    caregivers: int


def continuity(citizens: Sequence[CitizenVisits]) -> Decimal | None:
    """The mean number of different caregivers seen by the citizens who had two or more visits a
    day (on the days they had visits); None when there is no such citizen."""
    counted = [c.caregivers for c in citizens if c.days_with_visits > 0 and c.visits >= 2 * c.days_with_visits]
    if not counted:
        return None
    return (Decimal(sum(counted)) / len(counted)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def share_percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, one decimal; None when there is nothing to count."""
    if whole <= 0:
        return None
    if not 0 <= part <= whole:
        raise ValueError("the part must be between 0 and the whole")
    return (Decimal(part) * 100 / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def per_hundred(count: int, clients: int) -> Decimal | None:
    """Complaints per 100 clients, one decimal; None without clients."""
    if clients <= 0:
        return None
    return (Decimal(count) * 100 / clients).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass(frozen=True)
class Satisfaction:
    answers: int
    mean: Decimal | None  # None: hidden, fewer than MIN_RATINGS_SHOWN answers

    @property
    def hidden(self) -> bool:
        return self.mean is None


def satisfaction(total_points: int, answers: int, questions: int) -> Satisfaction:
    """The mean rating (1–5, one decimal) over `answers` ratings of `questions` questions each,
    hidden under MIN_RATINGS_SHOWN answers."""
    if answers < MIN_RATINGS_SHOWN:
        return Satisfaction(answers=answers, mean=None)
    mean = (Decimal(total_points) / (answers * questions)).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return Satisfaction(answers=answers, mean=mean)


def prices_differ(prices: Mapping[str, int | None]) -> bool:
    """Whether the known prices (minor units) of the provider kinds on the list differ."""
    return len({price for price in prices.values() if price is not None}) > 1


def quarter_of(day: date) -> str:
    """The calendar quarter a rating belongs to, e.g. 2026Q4."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def choose_by(today: date, deadline_days: int) -> date:
    """The last day to choose, `deadline_days` from today."""
    if deadline_days < 0:
        raise ValueError("the deadline cannot be negative")
    return today + timedelta(days=deadline_days)


SORT_KEYS = ("name", "price", "continuity", "punctuality", "satisfaction", "complaints", "places")


def need_points(scores: Mapping[str, int], scale: str) -> int | None:
    """The assessed need as one number, recorded when a provider ends a relationship: FSIII sums
    the scores 1–4 (0 no need, 9 not relevant); IPLOS sums score − 1. None for another scale."""
    if scale == "fsiii":
        return sum(v for v in scores.values() if 1 <= v <= 4)
    if scale == "iplos":
        return sum(v - 1 for v in scores.values() if 1 <= v <= 5)
    return None
