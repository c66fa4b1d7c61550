"""Pure rules for choosing and switching providers and for the default rule. No Django."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

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
    - nearest: a provider serving the citizen's district with the most capacity left;
    - in_house: the municipality's own provider.
    """
    eligible = [c for c in candidates if has_capacity(c)]
    if rule == "in_house":
        in_house = [c for c in eligible if c.kind == "in_house"]
        return in_house[0].provider_id if in_house else None
    local = [c for c in eligible if c.serves_district]
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
