"""Pure rules for assessments and decisions: scales, amounts and units. No Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

#: FSIII function ability: 0 no limitation … 4 complete limitation; 9 = not relevant.
FSIII_SCORES = frozenset({0, 1, 2, 3, 4, 9})
#: IPLOS (Norway): 1 independent … 5 fully dependent.
IPLOS_SCORES = frozenset({1, 2, 3, 4, 5})
SCALES: Mapping[str, frozenset[int]] = {"fsiii": FSIII_SCORES, "iplos": IPLOS_SCORES}

#: An average month has 365/12 days and a week 7: every conversion goes through the amount per
#: day, so assessments, settlement and follow-up count granted time the same way.
DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)
DAYS_PER_WEEK = Decimal(7)
TIME_UNITS: Mapping[str, int] = {"minute": 1, "hour": 60}

#: Days a citizen has to choose a provider after a decision before the default rule applies.
CHOICE_DEADLINE_DAYS = 14


def validate_scores(
    scale: str,
    scores: Mapping[str, int],
    known: Iterable[str] | None = None,
    *,
    required: Iterable[str] = (),
    complete: bool = False,
) -> dict[str, str]:
    """Error codes per area: 'unknown_scale', 'out_of_scale', 'unknown_area' (not in the
    municipality's scheme, when `known` is given) and, when the assessment is completed, 'missing'
    for every `required` area left without a score and 'empty' for no score at all. A draft may be
    partial or empty."""
    allowed = SCALES.get(scale)
    if allowed is None:
        return {"scale": "unknown_scale"}
    known_areas = frozenset(known) if known is not None else None
    errors: dict[str, str] = {}
    for area, score in scores.items():
        if known_areas is not None and area not in known_areas:
            errors[area] = "unknown_area"
        elif score not in allowed:
            errors[area] = "out_of_scale"
    if complete:
        errors.update({area: "missing" for area in sorted(set(required)) if area not in scores})
        if not scores:
            errors["scores"] = "empty"
    return errors


#: Not part of the ordinal scale: a change to or from it is neither better nor worse.
NOT_RELEVANT = 9


@dataclass(frozen=True)
class Change:
    """A condition area whose score differs between two assessments. On both scales a higher
    score means a greater limitation, so 'worse' means the score went up."""

    area: str
    before: int | None
    after: int | None
    kind: str  # "new" | "removed" | "worse" | "better" | "changed"


def _change_kind(before: int | None, after: int | None) -> str:
    if before is None:
        return "new"
    if after is None:
        return "removed"
    if NOT_RELEVANT in (before, after):
        return "changed"
    return "worse" if after > before else "better"


def score_changes(previous: Mapping[str, int], current: Mapping[str, int]) -> list[Change]:
    """Every area scored differently in `current` than in `previous`, by area code."""
    changes = []
    for area in sorted(set(previous) | set(current)):
        before, after = previous.get(area), current.get(area)
        if before != after:
            changes.append(Change(area, before, after, _change_kind(before, after)))
    return changes


@dataclass(frozen=True)
class Terms:
    """What a decision grants, or what a guideline proposes, as compared for deviations."""

    service_code: str
    amount: Decimal
    unit: str
    frequency: str


def matches(granted: Terms, proposed: Terms) -> bool:
    """The same service, unit and frequency and an equal amount (1.50 equals 1.5)."""
    return (
        granted.service_code == proposed.service_code
        and granted.unit == proposed.unit
        and granted.frequency == proposed.frequency
        and Decimal(granted.amount) == Decimal(proposed.amount)
    )


def deviates(granted: Terms, proposals: Sequence[Terms]) -> bool:
    """A grant deviates from the guidelines when there is a proposal and it matches none of them.
    With no proposal at all there is nothing to deviate from."""
    return bool(proposals) and not any(matches(granted, proposal) for proposal in proposals)


#: Weeks to appeal a decision, counted from the day of the decision letter:
#: DK 4 weeks (Retssikkerhedsloven § 67, appeals of Serviceloven decisions),
#: SE 3 weeks (Förvaltningslagen 2017:900 § 44), NO 3 weeks (Forvaltningsloven § 29).
APPEAL_WEEKS: Mapping[str, int] = {"DK": 4, "SE": 3, "NO": 3}


def appeal_deadline(country: str, letter_date: date) -> date:
    """The last day an appeal can be lodged: the letter's day plus the country's weeks."""
    if country not in APPEAL_WEEKS:
        raise ValueError(f"no appeal period for country {country!r}")
    return letter_date + timedelta(weeks=APPEAL_WEEKS[country])


def appeal_in_time(country: str, letter_date: date, lodged_on: date) -> bool:
    return lodged_on <= appeal_deadline(country, letter_date)


@dataclass(frozen=True)
class Area:
    """A scored (sub-)area of an assessment scheme and the condition area it belongs to."""

    code: str
    label: str
    parent: str


#: The IPLOS function-ability variables (Helsedirektoratet, "IPLOS – veileder for registrering",
#: IS-1111/IS-2253, and Forskrift om IPLOS-registeret § 1-5 and its annex: the variables for
#: assessing the need for assistance, each scored 1–5), grouped as the guide groups them.
IPLOS_AREAS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("IP1", "Sosial fungering", (
        ("IP1.1", "Sosial deltakelse"), ("IP1.2", "Beslutninger i dagliglivet"), ("IP1.3", "Styre atferd"),
    )),
    ("IP2", "Kognitiv fungering", (("IP2.1", "Hukommelse"), ("IP2.2", "Kommunikasjon"))),
    ("IP3", "Alminnelig husarbeid og innkjøp", (
        ("IP3.1", "Alminnelig husarbeid"), ("IP3.2", "Skaffe seg varer og tjenester"), ("IP3.3", "Lage mat"),
    )),
    ("IP4", "Egenomsorg", (
        ("IP4.1", "Personlig hygiene"), ("IP4.2", "Av- og påkledning"), ("IP4.3", "Spise"),
        ("IP4.4", "Toalett"), ("IP4.5", "Ivareta egen helse"),
    )),
    ("IP5", "Bevegelse og sansing", (
        ("IP5.1", "Bevege seg innendørs"), ("IP5.2", "Bevege seg utendørs"), ("IP5.3", "Syn"), ("IP5.4", "Hørsel"),
    )),
)


def default_scale(country: str) -> str:
    """Norway assesses on IPLOS; Denmark (and Sweden, for want of a national scale in frivalg)
    on FSIII."""
    return "iplos" if country == "NO" else "fsiii"


def units_compatible(service_unit: str, decision_unit: str) -> bool:
    """Time may be granted in minutes or hours for a timed service; other units must match."""
    if service_unit in TIME_UNITS and decision_unit in TIME_UNITS:
        return True
    return service_unit == decision_unit


def daily_amount(amount: Decimal, frequency: str, period_days: int | None = None) -> Decimal:
    """A grant's amount per day: per day as is, per week ÷ 7, per month ÷ 365/12, and a grant
    for the whole period spread over the period's days."""
    if frequency == "day":
        return amount
    if frequency == "week":
        return amount / DAYS_PER_WEEK
    if frequency == "month":
        return amount * MONTHS_PER_YEAR / DAYS_PER_YEAR
    if frequency == "period":
        if not period_days:
            raise ValueError("a grant for the whole period needs the period's length")
        return amount / Decimal(period_days)
    raise ValueError(f"unknown frequency {frequency!r}")


def monthly_amount(amount: Decimal, frequency: str, period_days: int | None = None) -> Decimal:
    """The amount per average month (365/12 days)."""
    if frequency == "month":
        return amount
    return daily_amount(amount, frequency, period_days) * DAYS_PER_YEAR / MONTHS_PER_YEAR


def monthly_minutes(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    if unit not in TIME_UNITS:
        raise ValueError(f"{unit!r} is not a unit of time")
    return monthly_amount(amount * TIME_UNITS[unit], frequency, period_days)


def weekly_hours(amount: Decimal, unit: str, frequency: str, period_days: int | None = None) -> Decimal:
    if unit not in TIME_UNITS:
        raise ValueError(f"{unit!r} is not a unit of time")
    if frequency == "week":
        return amount * TIME_UNITS[unit] / 60
    return daily_amount(amount * TIME_UNITS[unit], frequency, period_days) * DAYS_PER_WEEK / 60


def period_is_valid(valid_from: date, valid_to: date | None) -> bool:
    return valid_to is None or valid_to >= valid_from
