"""A municipality's settlement rules as data: one validated document per municipality and date,
read by both the reference implementation (rules.py) and the columnar engine (engine.py), so the
two can never disagree on what the rules are. Pure: no Django.

Every percentage is a whole number or a decimal with at most two places; every amount is whole
minor units (øre/öre); every time is whole minutes. The document (JSON, stored on
SettlementPolicy) looks like this — every key optional, the defaults in brackets:

    tolerance_percent: 125          # payable performed time ≤ planned × 125 % [125]
    rounding_unit_minutes: 5        # performed time rounded up to 5 minutes [5]
    minimum_minutes: 15             # a done visit pays at least 15 minutes [15]
    monthly_cap_percent: 110        # per decision and month ≤ granted × 110 %; null: no cap [null]
    standard_minutes: {PH: 30}      # per_visit services paid standard minutes per visit [{}]
    late_cancellation:              # the first rule whose window holds the notice applies [[]]
      - {within_hours: 2, percent: 100}
      - {within_hours: 24, percent: 50}
    absence:                        # unplanned absence (hospital): visits not done are paid
      first_day_percent: 100        #   this share of planned time on the first day,
      following_days_percent: 50    #   this on the following days,
      limit_days: 3                 #   for at most this many days in all [null: not paid]
    start_up_minor: 25000           # once for a new client (decision starting this month) [0]
    area_surcharge_percent: {rural: 10}   # travel surcharge by the citizen's area [{}]
    capitation_age_percent:         # capitation by age: the highest from_age ≤ age applies
      - {from_age: 0, percent: 100}
      - {from_age: 80, percent: 125}
    co_payment:
      per_hour_minor: {PH: 15000}   # fee per payable hour by service code
      per_unit_minor: {MEAL: 4500}  # fee per unit (per-unit services)
      base_amount_minor: 13016000   # the Norwegian base amount G, if brackets use it
      brackets:                     # monthly caps by annual income (first that fits)
        - {income_up_to_g: 2, monthly_cap_minor: 22500}
        - {income_up_to_minor: 50000000, monthly_cap_minor: 150000}
        - {monthly_cap_minor: 300000}       # the last has no upper bound
      no_income_bracket: last       # a citizen with no income registered: last bracket
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

#: Payment bases (catalogue.models.PaymentBasis values; a test keeps them equal).
BASIS_GRANTED = "granted_time"
BASIS_PERFORMED = "performed_time"
BASIS_PER_VISIT = "per_visit"
BASIS_CAPITATION = "capitation"
BASIS_PER_UNIT = "per_unit"
TIME_BASES = frozenset({BASIS_GRANTED, BASIS_PERFORMED, BASIS_PER_VISIT})

#: Areas (catalogue.models.Area values but "all").
AREAS = frozenset({"town", "suburb", "rural"})

MAX_PERCENT = Decimal(1000)


class PolicyError(ValueError):
    """The document is not a valid policy: every problem as (path, message)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass(frozen=True)
class LateCancellation:
    within_minutes: int
    percent: Decimal


@dataclass(frozen=True)
class AbsenceRule:
    first_day_percent: Decimal
    following_days_percent: Decimal
    limit_days: int


@dataclass(frozen=True)
class AgeFactor:
    from_age: int
    percent: Decimal


@dataclass(frozen=True)
class Bracket:
    income_up_to_minor: int | None  # None: no upper bound
    monthly_cap_minor: int


@dataclass(frozen=True)
class CoPayment:
    per_hour_minor: Mapping[str, int] = field(default_factory=dict)
    per_unit_minor: Mapping[str, int] = field(default_factory=dict)
    brackets: tuple[Bracket, ...] = ()
    no_income_last: bool = True

    def cap_for(self, income_minor: int | None) -> int | None:
        """The monthly cap of a citizen's bracket (None: no brackets, no cap)."""
        if not self.brackets:
            return None
        if income_minor is None:
            return self.brackets[-1 if self.no_income_last else 0].monthly_cap_minor
        for bracket in self.brackets:
            if bracket.income_up_to_minor is None or income_minor <= bracket.income_up_to_minor:
                return bracket.monthly_cap_minor
        return self.brackets[-1].monthly_cap_minor


@dataclass(frozen=True)
class Policy:
    tolerance_percent: Decimal = Decimal(125)
    rounding_unit_minutes: int = 5
    minimum_minutes: int = 15
    monthly_cap_percent: Decimal | None = None
    standard_minutes: Mapping[str, int] = field(default_factory=dict)
    late_cancellation: tuple[LateCancellation, ...] = ()
    absence: AbsenceRule | None = None
    start_up_minor: int = 0
    area_surcharge_percent: Mapping[str, Decimal] = field(default_factory=dict)
    capitation_age_percent: tuple[AgeFactor, ...] = (AgeFactor(0, Decimal(100)),)
    co_payment: CoPayment = field(default_factory=CoPayment)

    def late_percent(self, notice_minutes: int) -> Decimal | None:
        """The share of planned time a citizen's cancellation pays: the first rule whose window
        holds the notice (notice < window), None when it was in time."""
        for rule in self.late_cancellation:
            if notice_minutes < rule.within_minutes:
                return rule.percent
        return None

    def age_percent(self, age: int) -> Decimal:
        chosen = Decimal(100)
        for factor in self.capitation_age_percent:
            if factor.from_age <= age:
                chosen = factor.percent
        return chosen


DEFAULT_POLICY = Policy()


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def integer(self, data: Mapping[str, Any], key: str, path: str, default: int | None, *,
                minimum: int = 0, maximum: int = 10**12) -> int | None:
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}{key}", "must be a whole number")
            return default
        if not minimum <= value <= maximum:
            self.fail(f"{path}{key}", f"must be between {minimum} and {maximum}")
            return default
        return int(value)

    def percent(self, data: Mapping[str, Any], key: str, path: str, default: Decimal | None, *,
                minimum: Decimal = Decimal(0)) -> Decimal | None:
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool):
            self.fail(f"{path}{key}", "must be a number")
            return default
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"{path}{key}", "must be a number")
            return default
        if not number.is_finite() or number != number.quantize(Decimal("0.01")):
            self.fail(f"{path}{key}", "must be a number with at most two decimals")
            return default
        if not minimum <= number <= MAX_PERCENT:
            self.fail(f"{path}{key}", f"must be between {minimum} and {MAX_PERCENT}")
            return default
        return number

    def mapping(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = data.get(key) or {}
        if not isinstance(value, Mapping):
            self.fail(f"{path}{key}", "must be a mapping")
            return {}
        return value

    def items(self, data: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            self.fail(f"{path}{key}", "must be a list of mappings")
            return []
        return value


KNOWN_KEYS = frozenset({
    "tolerance_percent", "rounding_unit_minutes", "minimum_minutes", "monthly_cap_percent", "standard_minutes",
    "late_cancellation", "absence", "start_up_minor", "area_surcharge_percent", "capitation_age_percent",
    "co_payment",
})


def parse_policy(document: Any) -> Policy:
    """The policy a document states, or PolicyError naming every problem by its path."""
    if document is None:
        return DEFAULT_POLICY
    if not isinstance(document, Mapping):
        raise PolicyError([("", "the policy must be a mapping")])
    r = _Reader()
    for key in document:
        if key not in KNOWN_KEYS:
            r.fail(str(key), "is not a policy setting")
    tolerance = r.percent(document, "tolerance_percent", "", Decimal(125), minimum=Decimal(100))
    unit = r.integer(document, "rounding_unit_minutes", "", 5, minimum=1, maximum=60)
    minimum = r.integer(document, "minimum_minutes", "", 15, maximum=240)
    cap = r.percent(document, "monthly_cap_percent", "", None, minimum=Decimal(1))
    standard: dict[str, int] = {}
    for code, minutes in r.mapping(document, "standard_minutes", "").items():
        value = r.integer({"m": minutes}, "m", f"standard_minutes.{code}", None, minimum=1, maximum=24 * 60)
        if value is not None:
            standard[str(code)] = value
    late: list[LateCancellation] = []
    for i, item in enumerate(r.items(document, "late_cancellation", "")):
        hours = r.integer(item, "within_hours", f"late_cancellation.{i}.", None, minimum=1, maximum=24 * 14)
        percent = r.percent(item, "percent", f"late_cancellation.{i}.", None)
        if hours is None or percent is None:
            r.fail(f"late_cancellation.{i}", "needs within_hours and percent")
            continue
        if percent > 100:
            r.fail(f"late_cancellation.{i}.percent", "must not exceed 100")
        late.append(LateCancellation(hours * 60, percent))
    if [rule.within_minutes for rule in late] != sorted({rule.within_minutes for rule in late}):
        r.fail("late_cancellation", "windows must be listed from the shortest, each once")
    absence = None
    if document.get("absence") is not None:
        data = r.mapping(document, "absence", "")
        first = r.percent(data, "first_day_percent", "absence.", None)
        following = r.percent(data, "following_days_percent", "absence.", None)
        limit = r.integer(data, "limit_days", "absence.", None, minimum=1, maximum=366)
        if first is None or following is None or limit is None:
            r.fail("absence", "needs first_day_percent, following_days_percent and limit_days")
        else:
            absence = AbsenceRule(first, following, limit)
    start_up = r.integer(document, "start_up_minor", "", 0) or 0
    surcharges: dict[str, Decimal] = {}
    for area, percent in r.mapping(document, "area_surcharge_percent", "").items():
        if area not in AREAS:
            r.fail(f"area_surcharge_percent.{area}", f"is not an area ({', '.join(sorted(AREAS))})")
            continue
        share = r.percent({"p": percent}, "p", f"area_surcharge_percent.{area}", None)
        if share is not None:
            surcharges[str(area)] = share
    ages: list[AgeFactor] = []
    for i, item in enumerate(r.items(document, "capitation_age_percent", "")):
        age = r.integer(item, "from_age", f"capitation_age_percent.{i}.", None, maximum=130)
        percent = r.percent(item, "percent", f"capitation_age_percent.{i}.", None)
        if age is None or percent is None:
            r.fail(f"capitation_age_percent.{i}", "needs from_age and percent")
            continue
        ages.append(AgeFactor(age, percent))
    if [a.from_age for a in ages] != sorted({a.from_age for a in ages}):
        r.fail("capitation_age_percent", "ages must be listed from the youngest, each once")
    co_payment = _co_payment(r, r.mapping(document, "co_payment", ""))
    if r.problems:
        raise PolicyError(r.problems)
    return Policy(
        tolerance_percent=tolerance or Decimal(125),
        rounding_unit_minutes=unit or 5,
        minimum_minutes=minimum if minimum is not None else 15,
        monthly_cap_percent=cap,
        standard_minutes=standard,
        late_cancellation=tuple(late),
        absence=absence,
        start_up_minor=start_up,
        area_surcharge_percent=surcharges,
        capitation_age_percent=tuple(ages) or (AgeFactor(0, Decimal(100)),),
        co_payment=co_payment,
    )


def _co_payment(r: _Reader, data: Mapping[str, Any]) -> CoPayment:
    fees: dict[str, dict[str, int]] = {"per_hour_minor": {}, "per_unit_minor": {}}
    for key, fee in fees.items():
        for code, amount in r.mapping(data, key, "co_payment.").items():
            value = r.integer({"a": amount}, "a", f"co_payment.{key}.{code}", None)
            if value is not None:
                fee[str(code)] = value
    base = r.integer(data, "base_amount_minor", "co_payment.", None, minimum=1)
    brackets: list[Bracket] = []
    items = r.items(data, "brackets", "co_payment.")
    for i, item in enumerate(items):
        path = f"co_payment.brackets.{i}."
        cap = r.integer(item, "monthly_cap_minor", path, None)
        if cap is None:
            r.fail(f"{path}monthly_cap_minor", "is required")
            continue
        upper: int | None = r.integer(item, "income_up_to_minor", path, None)
        in_g = r.percent(item, "income_up_to_g", path, None)
        if upper is not None and in_g is not None:
            r.fail(path.rstrip("."), "give income_up_to_minor or income_up_to_g, not both")
        if in_g is not None:
            if base is None:
                r.fail(f"{path}income_up_to_g", "needs co_payment.base_amount_minor (the base amount G)")
            else:
                upper = int(in_g * base)  # G × a multiple with two decimals: whole øre, rounded down
        if upper is None and i != len(items) - 1:
            r.fail(path.rstrip("."), "only the last bracket may have no upper bound")
        brackets.append(Bracket(upper, cap))
    bounds = [b.income_up_to_minor for b in brackets if b.income_up_to_minor is not None]
    if bounds != sorted(set(bounds)):
        r.fail("co_payment.brackets", "brackets must rise in income, each bound once")
    rule = data.get("no_income_bracket", "last")
    if rule not in ("first", "last"):
        r.fail("co_payment.no_income_bracket", "must be first or last")
    return CoPayment(fees["per_hour_minor"], fees["per_unit_minor"], tuple(brackets), rule != "first")
