"""The in-house price from the municipality's own costs, as a sheet anyone can recompute by hand.

Pure: frozen dataclasses and `Decimal`, no Django. A cost model (one municipality, one year) is
parsed from a plain document (`parse_cost_model`), checked for implausible input (warnings, not
errors), and calculated into a `PriceSheet` (`calculate`): one line per service and time band,
each step with its inputs, formula text, result, unit, source line and rounding.

Two ways to build a price, both in one model:

* cost pools (Danish style): amounts from the accounts, split over (service, time band) cells
  by allocation keys; price = allocated cost ÷ **delivered** hours, where delivered hours = paid
  hours × user-time share (BTP). Authority costs (needs assessment, the director's office) are
  excluded and flagged.
* a markup chain (Norwegian style): an hourly wage plus named steps (holiday pay, pension,
  employer's tax, administration), each a percentage of named earlier steps or an absolute
  amount; optionally ÷ BTP to a price per delivered hour.

Every monetary and hour step is rounded ROUND_HALF_UP to 0.01 when it is computed; shares of a
key are never rounded (the formula shows the exact fraction). Private providers' prices follow
from the in-house price by named adjustments (fixed overhead rate, VAT, VAT compensation as a
factor or a percentage, deduction), each rounded to 0.01. The Swedish variant "in-house − 1.5 %
overhead, private + 1.5 % VAT compensation" lowers the published in-house price itself
(`in_house_adjustments`, rule `in_house_reduction`) before the private price is derived from it.
After-calculation compares the set price with the price from the year's actual accounts and
settles the difference per provider, both ways or upward only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ROUNDING = "ROUND_HALF_UP to 0.01"
NO_ROUNDING = "exact"
#: The source of a step computed from the steps before it.
ABOVE = "the lines above"
#: A user-time share above this is implausible (a Danish municipality was corrected for it).
BTP_PLAUSIBLE_MAX = Decimal(70)
#: An in-house overhead reduction above this is implausible (Swedish practice: about 1.5 %).
IN_HOUSE_REDUCTION_PLAUSIBLE_MAX = Decimal(10)
#: VAT compensation above this exceeds the state's flat 6 % compensation to Swedish municipalities.
VAT_COMPENSATION_PLAUSIBLE_MAX = Decimal(6)


def round_cent(value: Decimal) -> Decimal:
    """The one rounding rule of this module: half away from zero to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """A number as written in formulas: plain digits, point as decimal separator."""
    return format(value, "f")


class PoolKind(StrEnum):
    DIRECT_WAGES = "direct_wages"
    HOLIDAY_PAY = "holiday_pay"
    PENSION = "pension"
    PAYROLL_TAX = "payroll_tax"
    TRANSPORT = "transport"
    MATERIALS = "materials"
    MANAGEMENT = "management"
    ADMINISTRATION = "administration"
    IT = "it"
    HR = "hr"
    RENT = "rent"
    INSURANCE = "insurance"
    CAPITAL = "capital"
    CENTRAL_OVERHEAD = "central_overhead"
    AUTHORITY = "authority"


class KeyBasis(StrEnum):
    DELIVERED_HOURS = "delivered_hours"
    PAID_HOURS = "paid_hours"
    SHARES = "shares"


class AdjustmentKind(StrEnum):
    OVERHEAD = "overhead"  # price × (1 + percent/100): a fixed overhead rate
    VAT = "vat"  # price × (1 + percent/100): VAT added on private invoices
    VAT_COMPENSATION = "vat_compensation"  # price × factor (e.g. 1.025) or × (1 + percent/100) (Swedish practice)
    DEDUCTION = "deduction"  # price × (1 − percent/100)
    #: In `in_house_adjustments` only: the published in-house price is the in-house cost × (1 − percent/100)
    #: (Swedish practice, e.g. in-house − 1.5 % overhead); the private price follows from the reduced price.
    IN_HOUSE_REDUCTION = "in_house_reduction"


#: The rules each list of adjustments in a document accepts.
PRIVATE_KINDS = (AdjustmentKind.OVERHEAD, AdjustmentKind.VAT, AdjustmentKind.VAT_COMPENSATION,
                 AdjustmentKind.DEDUCTION)
IN_HOUSE_KINDS = (AdjustmentKind.IN_HOUSE_REDUCTION,)


class Direction(StrEnum):
    BOTH_WAYS = "both_ways"  # the current Danish Elderly Act: paid back or paid out
    UPWARD_ONLY = "upward_only"  # the older rule: only an underpayment is paid out


class Method(StrEnum):
    COST_POOLS = "cost_pools"
    MARKUP_CHAIN = "markup_chain"


def gettext_noop(message: str) -> str:
    """Marks a message for translation (makemessages finds it by this name) without importing
    Django: the interfaces translate `Issue.template` and fill in `Issue.params`."""
    return message


@dataclass(frozen=True)
class Issue:
    """An error or a warning about the input, at a dotted path in the document. `template` is an
    English %-format string marked for translation; `message` is it filled in."""

    path: str
    code: str
    template: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        return self.template % dict(self.params)


def issue(path: str, code: str, template: str, **params: object) -> Issue:
    return Issue(path, code, template, tuple((name, str(value)) for name, value in params.items()))


class CostModelError(ValueError):
    """The document cannot be calculated; `errors` says where and why."""

    def __init__(self, errors: Sequence[Issue]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in self.errors))


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class HoursCell:
    """Paid hours of one service in one time band and the share of them spent with the user."""

    service: str
    time_band: str
    paid_hours: Decimal
    btp_percent: Decimal
    source: str


@dataclass(frozen=True)
class Share:
    service: str
    time_band: str
    percent: Decimal


@dataclass(frozen=True)
class AllocationKey:
    name: str
    basis: KeyBasis
    shares: tuple[Share, ...] = ()


@dataclass(frozen=True)
class CostPool:
    """An amount from the accounts: given (`amount`), a percentage of other pools (`rate_percent`
    of `base`), or depreciation + interest (capital). `authority_amount` is the part of it that is
    authority cost; it is taken out and flagged."""

    id: str
    kind: PoolKind
    label: str
    source: str
    key: str | None
    amount: Decimal | None = None
    rate_percent: Decimal | None = None
    base: tuple[str, ...] = ()
    depreciation: Decimal | None = None
    interest: Decimal | None = None
    authority_amount: Decimal = Decimal(0)
    staff_group: str = ""


@dataclass(frozen=True)
class MarkupStep:
    """Either `percent` of the named earlier steps (`base`; empty = everything so far) or an
    absolute `amount` per paid hour."""

    id: str
    label: str
    source: str
    percent: Decimal | None = None
    base: tuple[str, ...] = ()
    amount: Decimal | None = None


@dataclass(frozen=True)
class MarkupChain:
    service: str
    time_band: str
    wage_label: str
    wage: Decimal
    wage_source: str
    steps: tuple[MarkupStep, ...]
    btp_percent: Decimal | None = None
    btp_source: str = ""


@dataclass(frozen=True)
class Adjustment:
    kind: AdjustmentKind
    label: str
    source: str
    percent: Decimal | None = None
    factor: Decimal | None = None


@dataclass(frozen=True)
class CostModel:
    municipality: str
    year: int
    currency: str
    cells: tuple[HoursCell, ...] = ()
    pools: tuple[CostPool, ...] = ()
    keys: tuple[AllocationKey, ...] = ()
    chains: tuple[MarkupChain, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    in_house_adjustments: tuple[Adjustment, ...] = ()


# ---------------------------------------------------------------------------------------------
# The sheet


@dataclass(frozen=True)
class StepInput:
    """`name` in English; a name of the rules' own also has its `name_template` (marked for
    translation) and `name_params`; a name from the model (a pool's or a step's id) has none."""

    name: str
    value: Decimal
    unit: str
    name_template: str = ""
    name_params: tuple[tuple[str, str], ...] = ()


def _input(template: str, value: Decimal, unit: str, **params: str) -> StepInput:
    """An input named by the rules: `template` is marked with gettext_noop by the caller."""
    return StepInput(template % params, value, unit, template, tuple(params.items()))


@dataclass(frozen=True)
class Step:
    """`label` in English; a label of the rules' own also has its `label_template` (marked for
    translation) and `label_params`; a label from the model (a pool's) has none."""

    label: str
    inputs: tuple[StepInput, ...]
    formula: str
    result: Decimal
    unit: str
    source: str
    rounding: str
    label_template: str = ""
    label_params: tuple[tuple[str, str], ...] = ()


def _step(
    template: str,
    params: Mapping[str, str],
    inputs: tuple[StepInput, ...],
    formula: str,
    result: Decimal,
    unit: str,
    source: str,
    rounding: str,
) -> Step:
    return Step(template % params, inputs, formula, result, unit, source, rounding, template, tuple(params.items()))


@dataclass(frozen=True)
class PriceLine:
    service: str
    time_band: str
    method: Method
    steps: tuple[Step, ...]
    in_house_price: Decimal
    private_steps: tuple[Step, ...]
    private_price: Decimal | None


@dataclass(frozen=True)
class PriceSheet:
    municipality: str
    year: int
    currency: str
    pool_steps: tuple[Step, ...]
    lines: tuple[PriceLine, ...]
    warnings: tuple[Issue, ...]

    def line(self, service: str, time_band: str) -> PriceLine:
        for line in self.lines:
            if (line.service, line.time_band) == (service, time_band):
                return line
        raise KeyError((service, time_band))


# ---------------------------------------------------------------------------------------------
# Parsing a document (YAML/JSON loaded into dicts and lists)


class _Reader:
    """Collects every error of a document instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []

    def error(self, path: str, code: str, template: str, **params: object) -> None:
        self.errors.append(issue(path, code, template, **params))

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.error(path, "type", gettext_noop("must be a mapping (key: value)"))
        return {}

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.error(path, "type", gettext_noop("must be a list"))
        return []

    def text(self, data: Mapping[str, Any], name: str, path: str, *, required: bool = True) -> str:
        value = data.get(name)
        if value is None or value == "":
            if required:
                self.error(f"{path}.{name}" if path else name, "required", gettext_noop("is required"))
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(f"{path}.{name}" if path else name, "type", gettext_noop("must be text"))
            return ""
        return str(value)

    def number(
        self, data: Mapping[str, Any], name: str, path: str, *, required: bool = True, positive: bool = False
    ) -> Decimal | None:
        where = f"{path}.{name}" if path else name
        value = data.get(name)
        if value is None:
            if required:
                self.error(where, "required", gettext_noop("is required"))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            self.error(where, "type", gettext_noop("must be a number"))
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(where, "type", gettext_noop("must be a number, not “%(value)s”"), value=value)
            return None
        if not number.is_finite():
            self.error(where, "type", gettext_noop("must be a finite number"))
            return None
        if number < 0:
            self.error(where, "negative", gettext_noop("must not be negative (got %(value)s)"), value=fmt(number))
            return None
        if positive and number == 0:
            self.error(where, "zero", gettext_noop("must be greater than zero"))
            return None
        return number

    def names(self, data: Mapping[str, Any], name: str, path: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.error(f"{path}.{name}", "type", gettext_noop("must be a name or a list of names"))
        return ()


def _btp(reader: _Reader, data: Mapping[str, Any], path: str, default: Decimal | None) -> Decimal | None:
    value = reader.number(data, "btp_percent", path, required=default is None, positive=True)
    if value is None:
        return default
    if value > HUNDRED:
        where = f"{path}.btp_percent" if path else "btp_percent"
        reader.error(where, "btp_range", gettext_noop("is a percentage and cannot exceed 100 (got %(value)s)"),
                     value=fmt(value))
        return default
    return value


def _parse_cells(reader: _Reader, document: Mapping[str, Any], default_btp: Decimal | None) -> tuple[HoursCell, ...]:
    cells: list[HoursCell] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(reader.items(document.get("cells"), "cells")):
        path = f"cells.{i}"
        data = reader.mapping(raw, path)
        service = reader.text(data, "service", path)
        band = reader.text(data, "time_band", path)
        hours = reader.number(data, "paid_hours", path, positive=True)
        btp = _btp(reader, data, path, default_btp)
        if (service, band) in seen:
            reader.error(path, "duplicate", gettext_noop("%(service)s / %(band)s is listed twice"), service=service,
                         band=band)
        seen.add((service, band))
        if service and band and hours is not None and btp is not None:
            cells.append(HoursCell(service, band, hours, btp, reader.text(data, "source", path, required=False)))
    return tuple(cells)


def _parse_keys(reader: _Reader, document: Mapping[str, Any], cells: set[tuple[str, str]]) -> tuple[AllocationKey, ...]:
    keys: list[AllocationKey] = []
    raw_keys = reader.mapping(document.get("keys") or {}, "keys")
    for name, raw in raw_keys.items():
        path = f"keys.{name}"
        data = reader.mapping(raw, path)
        basis_text = reader.text(data, "by", path)
        try:
            basis = KeyBasis(basis_text)
        except ValueError:
            if basis_text:
                reader.error(f"{path}.by", "choice", gettext_noop("must be one of %(choices)s (got “%(value)s”)"),
                             choices=", ".join(KeyBasis), value=basis_text)
            continue
        shares: list[Share] = []
        if basis == KeyBasis.SHARES:
            for j, raw_share in enumerate(reader.items(data.get("shares"), f"{path}.shares")):
                share_path = f"{path}.shares.{j}"
                share_data = reader.mapping(raw_share, share_path)
                service = reader.text(share_data, "service", share_path)
                band = reader.text(share_data, "time_band", share_path)
                percent = reader.number(share_data, "percent", share_path)
                if service and band and (service, band) not in cells:
                    reader.error(share_path, "unknown_cell",
                                 gettext_noop("%(service)s / %(band)s is not one of the cells"),
                                 service=service, band=band)
                elif service and band and percent is not None:
                    shares.append(Share(service, band, percent))
            if not shares:
                reader.error(f"{path}.shares", "required", gettext_noop("a key by shares needs at least one share"))
        keys.append(AllocationKey(str(name), basis, tuple(shares)))
    return tuple(keys)


def _parse_pools(reader: _Reader, document: Mapping[str, Any], key_names: set[str]) -> tuple[CostPool, ...]:
    pools: list[CostPool] = []
    ids: set[str] = set()
    for i, raw in enumerate(reader.items(document.get("pools"), "pools")):
        path = f"pools.{i}"
        data = reader.mapping(raw, path)
        pool_id = reader.text(data, "id", path)
        kind_text = reader.text(data, "kind", path)
        try:
            kind = PoolKind(kind_text)
        except ValueError:
            if kind_text:
                reader.error(f"{path}.kind", "choice", gettext_noop("must be one of %(choices)s (got “%(value)s”)"),
                             choices=", ".join(PoolKind), value=kind_text)
            continue
        if pool_id in ids:
            reader.error(f"{path}.id", "duplicate", gettext_noop("pool id “%(id)s” is used twice"), id=pool_id)
        key = reader.text(data, "key", path, required=False) or None
        if key is not None and key not in key_names:
            reader.error(f"{path}.key", "unknown_key", gettext_noop("no allocation key named “%(key)s”"), key=key)
        amount = reader.number(data, "amount", path, required=False)
        rate = reader.number(data, "rate_percent", path, required=False)
        base = reader.names(data, "base", path)
        depreciation = reader.number(data, "depreciation", path, required=False)
        interest = reader.number(data, "interest", path, required=False)
        authority = reader.number(data, "authority_amount", path, required=False) or Decimal(0)
        given = [name for name, value in (("amount", amount), ("rate_percent", rate)) if value is not None]
        if depreciation is not None or interest is not None:
            given.append("depreciation/interest")
            if kind != PoolKind.CAPITAL:
                reader.error(path, "capital_only",
                             gettext_noop("depreciation and interest belong to a pool of kind capital"))
            if depreciation is None or interest is None:
                reader.error(path, "capital_parts", gettext_noop("a capital pool needs both depreciation and interest"))
        if len(given) != 1:
            reader.error(path, "amount", gettext_noop(
                "give exactly one of amount, rate_percent (with base), or depreciation + interest"))
        if rate is not None and not base:
            reader.error(f"{path}.base", "required", gettext_noop("a rate needs the pools it is a percentage of"))
        for name in base:
            if name not in ids:
                reader.error(f"{path}.base", "unknown_pool",
                             gettext_noop("“%(name)s” is not a pool defined above this one"), name=name)
        if amount is not None and authority > amount:
            reader.error(f"{path}.authority_amount", "too_large", gettext_noop("cannot exceed the pool's amount"))
        if pool_id:
            ids.add(pool_id)
        pools.append(
            CostPool(
                id=pool_id,
                kind=kind,
                label=reader.text(data, "label", path, required=False) or pool_id,
                source=reader.text(data, "source", path, required=False),
                key=key,
                amount=amount,
                rate_percent=rate,
                base=base,
                depreciation=depreciation,
                interest=interest,
                authority_amount=authority,
                staff_group=reader.text(data, "staff_group", path, required=kind == PoolKind.DIRECT_WAGES),
            )
        )
    return tuple(pools)


def _parse_chains(reader: _Reader, document: Mapping[str, Any]) -> tuple[MarkupChain, ...]:
    chains: list[MarkupChain] = []
    for i, raw in enumerate(reader.items(document.get("markup_chains"), "markup_chains")):
        path = f"markup_chains.{i}"
        data = reader.mapping(raw, path)
        wage_data = reader.mapping(data.get("wage") or {}, f"{path}.wage")
        wage = reader.number(wage_data, "amount", f"{path}.wage", positive=True)
        ids = {"wage"}
        steps: list[MarkupStep] = []
        for j, raw_step in enumerate(reader.items(data.get("steps"), f"{path}.steps")):
            step_path = f"{path}.steps.{j}"
            step_data = reader.mapping(raw_step, step_path)
            step_id = reader.text(step_data, "id", step_path)
            percent = reader.number(step_data, "percent", step_path, required=False)
            amount = reader.number(step_data, "amount", step_path, required=False)
            base = reader.names(step_data, "base", step_path)
            if (percent is None) == (amount is None):
                reader.error(step_path, "amount", gettext_noop("give exactly one of percent (of a base) or amount"))
            for name in base:
                if name not in ids:
                    reader.error(f"{step_path}.base", "unknown_step",
                                 gettext_noop("“%(name)s” is not wage or an earlier step"), name=name)
            if step_id in ids:
                reader.error(f"{step_path}.id", "duplicate", gettext_noop("step id “%(id)s” is used twice"), id=step_id)
            ids.add(step_id)
            steps.append(
                MarkupStep(
                    id=step_id,
                    label=reader.text(step_data, "label", step_path, required=False) or step_id,
                    source=reader.text(step_data, "source", step_path, required=False),
                    percent=percent,
                    base=base,
                    amount=amount,
                )
            )
        btp = _btp(reader, data, path, Decimal(0)) if "btp_percent" in data else None
        service = reader.text(data, "service", path)
        band = reader.text(data, "time_band", path)
        if wage is not None and service and band:
            chains.append(
                MarkupChain(
                    service=service,
                    time_band=band,
                    wage_label=reader.text(wage_data, "label", f"{path}.wage", required=False) or "Hourly wage",
                    wage=wage,
                    wage_source=reader.text(wage_data, "source", f"{path}.wage", required=False),
                    steps=tuple(steps),
                    btp_percent=btp or None,
                    btp_source=reader.text(data, "btp_source", path, required=False),
                )
            )
    return tuple(chains)


def _parse_adjustments(
    reader: _Reader, document: Mapping[str, Any], section: str, allowed: tuple[AdjustmentKind, ...]
) -> tuple[Adjustment, ...]:
    """The list `section` of the document: named rules applied in order, each of a kind in `allowed`."""
    adjustments: list[Adjustment] = []
    for i, raw in enumerate(reader.items(document.get(section), section)):
        path = f"{section}.{i}"
        data = reader.mapping(raw, path)
        kind_text = reader.text(data, "rule", path)
        try:
            kind = AdjustmentKind(kind_text)
        except ValueError:
            if kind_text:
                reader.error(f"{path}.rule", "choice", gettext_noop("must be one of %(choices)s (got “%(value)s”)"),
                             choices=", ".join(allowed), value=kind_text)
            continue
        if kind not in allowed:
            if kind in IN_HOUSE_KINDS:
                reader.error(f"{path}.rule", "in_house_only", gettext_noop(
                    "%(rule)s lowers the in-house price itself: list it under in_house_adjustments"), rule=kind.value)
            else:
                reader.error(f"{path}.rule", "private_only", gettext_noop(
                    "%(rule)s gives a private provider's price: list it under private_adjustments"), rule=kind.value)
            continue
        percent = factor = None
        if kind == AdjustmentKind.VAT_COMPENSATION:
            if "factor" in data and "percent" in data:
                reader.error(path, "amount", gettext_noop("give exactly one of factor (e.g. 1.025) or percent"))
            elif "percent" in data:
                percent = reader.number(data, "percent", path)
            else:
                factor = reader.number(data, "factor", path, positive=True)
        else:
            percent = reader.number(data, "percent", path)
            if kind == AdjustmentKind.DEDUCTION and percent is not None and percent >= HUNDRED:
                reader.error(f"{path}.percent", "too_large", gettext_noop("a deduction must be below 100 %%"))
            if kind == AdjustmentKind.IN_HOUSE_REDUCTION and percent is not None and percent >= HUNDRED:
                reader.error(f"{path}.percent", "too_large",
                             gettext_noop("a reduction of the in-house price must be below 100 %%"))
        adjustments.append(
            Adjustment(
                kind=kind,
                label=reader.text(data, "label", path, required=False) or kind.value,
                source=reader.text(data, "source", path, required=False),
                percent=percent,
                factor=factor,
            )
        )
    return tuple(adjustments)


def parse_cost_model(document: Any) -> CostModel:
    """Read a cost model document; raise CostModelError listing every error found."""
    reader = _Reader()
    data = reader.mapping(document, "(document)")
    if reader.errors:
        raise CostModelError(reader.errors)
    municipality = reader.text(data, "municipality", "")
    year_value = data.get("year")
    year = 0
    if isinstance(year_value, int) and not isinstance(year_value, bool) and 1900 < year_value < 3000:
        year = year_value
    else:
        reader.error("year", "year", gettext_noop("must be a year such as 2025"))
    currency = reader.text(data, "currency", "")
    if currency and (len(currency) != 3 or not currency.isalpha()):
        reader.error("currency", "currency", gettext_noop("must be a three-letter currency code such as DKK"))
    default_btp = _btp(reader, data, "", Decimal(0)) if "btp_percent" in data else None
    cells = _parse_cells(reader, data, default_btp)
    keys = _parse_keys(reader, data, {(c.service, c.time_band) for c in cells})
    pools = _parse_pools(reader, data, {k.name for k in keys})
    chains = _parse_chains(reader, data)
    adjustments = _parse_adjustments(reader, data, "private_adjustments", PRIVATE_KINDS)
    in_house_adjustments = _parse_adjustments(reader, data, "in_house_adjustments", IN_HOUSE_KINDS)
    if pools and not cells:
        reader.error("cells", "required", gettext_noop("cost pools need cells with paid hours to be divided by"))
    if not pools and not chains:
        reader.error("(document)", "empty", gettext_noop("a cost model needs cost pools or markup chains"))
    pooled = {(c.service, c.time_band) for c in cells} if pools else set()
    for i, chain in enumerate(chains):
        if (chain.service, chain.time_band) in pooled:
            where = f"markup_chains.{i}"
            reader.error(where, "duplicate", gettext_noop("%(service)s / %(band)s is also priced by pools"),
                         service=chain.service, band=chain.time_band)
    for i, cell in enumerate(cells):
        if round_cent(cell.paid_hours * cell.btp_percent / HUNDRED) == 0:
            reader.error(f"cells.{i}", "no_delivered_hours",
                         gettext_noop("paid hours × BTP rounds to 0 delivered hours"))
    if reader.errors:
        raise CostModelError(reader.errors)
    return CostModel(municipality, year, currency.upper(), cells, pools, keys, chains, adjustments,
                     in_house_adjustments)


# ---------------------------------------------------------------------------------------------
# Warnings


def check_cost_model(model: CostModel) -> tuple[Issue, ...]:
    """Implausible but calculable input: the sheet is still produced, with these shown on it."""
    warnings: list[Issue] = []
    for i, cell in enumerate(model.cells):
        if cell.btp_percent > BTP_PLAUSIBLE_MAX:
            warnings.append(issue(
                f"cells.{i}.btp_percent", "btp_high",
                gettext_noop("user-time share %(btp)s %% for %(service)s / %(band)s is above %(max)s %%: "
                             "check it against registered time"),
                btp=fmt(cell.btp_percent), service=cell.service, band=cell.time_band, max=fmt(BTP_PLAUSIBLE_MAX),
            ))
    for i, chain in enumerate(model.chains):
        if chain.btp_percent is not None and chain.btp_percent > BTP_PLAUSIBLE_MAX:
            warnings.append(issue(
                f"markup_chains.{i}.btp_percent", "btp_high",
                gettext_noop("user-time share %(btp)s %% is above %(max)s %%"),
                btp=fmt(chain.btp_percent), max=fmt(BTP_PLAUSIBLE_MAX),
            ))
    for key in model.keys:
        if key.basis == KeyBasis.SHARES:
            total = sum((s.percent for s in key.shares), Decimal(0))
            if total < HUNDRED:
                warnings.append(issue(
                    f"keys.{key.name}", "key_sum",
                    gettext_noop("the shares of key “%(key)s” sum to %(total)s %%, not 100 %%: %(rest)s %% of each "
                                 "pool using it is not allocated"),
                    key=key.name, total=fmt(total), rest=fmt(HUNDRED - total),
                ))
            elif total > HUNDRED:
                warnings.append(issue(
                    f"keys.{key.name}", "key_sum",
                    gettext_noop("the shares of key “%(key)s” sum to %(total)s %%, not 100 %%: pools using it are "
                                 "allocated %(rest)s %% more than once"),
                    key=key.name, total=fmt(total), rest=fmt(total - HUNDRED),
                ))
    for i, reduction in enumerate(model.in_house_adjustments):
        if reduction.percent is not None and reduction.percent > IN_HOUSE_REDUCTION_PLAUSIBLE_MAX:
            warnings.append(issue(
                f"in_house_adjustments.{i}.percent", "reduction_high",
                gettext_noop("an in-house reduction of %(percent)s %% is above %(max)s %%: Swedish practice is "
                             "about 1.5 %% overhead"),
                percent=fmt(reduction.percent), max=fmt(IN_HOUSE_REDUCTION_PLAUSIBLE_MAX),
            ))
    for i, adjustment in enumerate(model.adjustments):
        if adjustment.kind != AdjustmentKind.VAT_COMPENSATION:
            continue
        if adjustment.factor is not None:
            percent = (adjustment.factor - 1) * HUNDRED
            where = f"private_adjustments.{i}.factor"
        else:
            percent = adjustment.percent or Decimal(0)
            where = f"private_adjustments.{i}.percent"
        if percent < 0:
            warnings.append(issue(
                where, "compensation_negative",
                gettext_noop("VAT compensation lowers the private price (%(percent)s %%): check the factor"),
                percent=fmt(percent),
            ))
        elif percent > VAT_COMPENSATION_PLAUSIBLE_MAX:
            warnings.append(issue(
                where, "compensation_high",
                gettext_noop("VAT compensation of %(percent)s %% is above the %(max)s %% the state compensates "
                             "municipalities for"),
                percent=fmt(percent), max=fmt(VAT_COMPENSATION_PLAUSIBLE_MAX),
            ))
    for i, pool in enumerate(model.pools):
        if pool.kind == PoolKind.AUTHORITY:
            warnings.append(issue(
                f"pools.{i}", "authority_excluded",
                gettext_noop("“%(pool)s” is an authority cost and is excluded from the price"), pool=pool.label,
            ))
        elif pool.authority_amount:
            warnings.append(issue(
                f"pools.{i}.authority_amount", "authority_in_pool",
                gettext_noop("%(amount)s of “%(pool)s” is authority cost and is taken out of the price"),
                amount=fmt(pool.authority_amount), pool=pool.label,
            ))
        elif pool.key is None:
            warnings.append(issue(
                f"pools.{i}.key", "no_key",
                gettext_noop("“%(pool)s” has no allocation key and is not in any price"), pool=pool.label,
            ))
    return tuple(warnings)


# ---------------------------------------------------------------------------------------------
# Calculation


def _pool_amounts(model: CostModel) -> tuple[dict[str, Decimal], list[Step]]:
    """Each pool's amount net of authority cost, with the step that derives it."""
    amounts: dict[str, Decimal] = {}
    steps: list[Step] = []
    currency = model.currency
    for pool in model.pools:
        if pool.amount is not None:
            gross = round_cent(pool.amount)
            inputs: tuple[StepInput, ...] = (_input(gettext_noop("given amount"), pool.amount, currency),)
            formula = fmt(pool.amount)
        elif pool.rate_percent is not None:
            base_total = sum((amounts[b] for b in pool.base), Decimal(0))
            gross = round_cent(base_total * pool.rate_percent / HUNDRED)
            inputs = (
                *(StepInput(b, amounts[b], currency) for b in pool.base),
                _input(gettext_noop("rate"), pool.rate_percent, "%"),
            )
            formula = f"({' + '.join(fmt(amounts[b]) for b in pool.base)}) × {fmt(pool.rate_percent)} %"
        else:
            depreciation = pool.depreciation or Decimal(0)
            interest = pool.interest or Decimal(0)
            gross = round_cent(depreciation + interest)
            inputs = (_input(gettext_noop("depreciation"), depreciation, currency),
                      _input(gettext_noop("interest"), interest, currency))
            formula = f"{fmt(depreciation)} + {fmt(interest)}"
        if pool.kind == PoolKind.AUTHORITY:
            steps.append(_step(gettext_noop("%(pool)s (authority cost: excluded)"), {"pool": pool.label}, inputs,
                               f"{formula} → excluded", Decimal("0.00"), currency, pool.source, ROUNDING))
            amounts[pool.id] = Decimal("0.00")
            continue
        net = gross
        if pool.authority_amount:
            net = round_cent(gross - pool.authority_amount)
            inputs = (*inputs, _input(gettext_noop("authority cost taken out"), pool.authority_amount, currency))
            formula = f"{fmt(gross)} − {fmt(pool.authority_amount)}" if pool.amount is None else (
                f"{fmt(pool.amount)} − {fmt(pool.authority_amount)}")
        if pool.key:
            label, params = gettext_noop("%(pool)s (key: %(key)s)"), {"pool": pool.label, "key": pool.key}
        else:
            label, params = gettext_noop("%(pool)s (no key: not allocated)"), {"pool": pool.label}
        steps.append(_step(label, params, inputs, formula, net, currency, pool.source, ROUNDING))
        amounts[pool.id] = net
    return amounts, steps


def _cell_hours(model: CostModel) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(paid hours, delivered hours) per cell; delivered = paid × BTP, rounded to 0.01 hour."""
    return {
        (c.service, c.time_band): (c.paid_hours, round_cent(c.paid_hours * c.btp_percent / HUNDRED))
        for c in model.cells
    }


#: The name of each adjustment's parameter in its step, marked for translation.
_ADJUSTMENT_INPUT = {
    AdjustmentKind.OVERHEAD: gettext_noop("overhead rate"),
    AdjustmentKind.VAT: gettext_noop("VAT"),
    AdjustmentKind.VAT_COMPENSATION: gettext_noop("VAT compensation"),
    AdjustmentKind.DEDUCTION: gettext_noop("deduction"),
    AdjustmentKind.IN_HOUSE_REDUCTION: gettext_noop("in-house reduction"),
}


def _adjustment_step(adjustment: Adjustment, current: Decimal, unit: str, price_name: str) -> Step:
    """One named adjustment of a price, rounded to 0.01; `price_name` names the price it starts from."""
    if adjustment.factor is not None:
        factor = adjustment.factor
        result = round_cent(current * factor)
        inputs = (_input(price_name, current, unit), _input(gettext_noop("factor"), factor, "×"))
        formula = f"{fmt(current)} × {fmt(factor)}"
    else:
        percent = adjustment.percent or Decimal(0)
        lowers = adjustment.kind in (AdjustmentKind.DEDUCTION, AdjustmentKind.IN_HOUSE_REDUCTION)
        sign = "−" if lowers else "+"
        multiplier = (HUNDRED - percent if lowers else HUNDRED + percent) / HUNDRED
        result = round_cent(current * multiplier)
        inputs = (_input(price_name, current, unit), _input(_ADJUSTMENT_INPUT[adjustment.kind], percent, "%"))
        formula = f"{fmt(current)} × (100 % {sign} {fmt(percent)} %)"
    return Step(adjustment.label, inputs, formula, result, unit, adjustment.source, ROUNDING)


def _reduce(model: CostModel, cost: Decimal, unit: str) -> tuple[list[Step], Decimal]:
    """The published in-house price: the in-house cost less each in-house reduction, in order."""
    steps: list[Step] = []
    current = cost
    for adjustment in model.in_house_adjustments:
        steps.append(_adjustment_step(adjustment, current, unit, gettext_noop("in-house cost")))
        current = steps[-1].result
    return steps, current


def _adjust(model: CostModel, price: Decimal) -> tuple[tuple[Step, ...], Decimal | None]:
    """A private provider's price: the (published) in-house price through each private adjustment."""
    if not model.adjustments:
        return (), None
    steps: list[Step] = []
    current = price
    for adjustment in model.adjustments:
        steps.append(_adjustment_step(adjustment, current, f"{model.currency}/hour", gettext_noop("price")))
        current = steps[-1].result
    return tuple(steps), current


def _pool_line(
    model: CostModel,
    cell: HoursCell,
    amounts: Mapping[str, Decimal],
    hours: Mapping[tuple[str, str], tuple[Decimal, Decimal]],
) -> PriceLine:
    currency = model.currency
    here = (cell.service, cell.time_band)
    paid, delivered = hours[here]
    steps: list[Step] = [
        _step(gettext_noop("Paid hours"), {}, (_input(gettext_noop("paid hours"), paid, "hours"),), fmt(paid), paid,
              "hours", cell.source, NO_ROUNDING),
        _step(gettext_noop("Delivered hours = paid hours × user-time share (BTP)"), {},
              (_input(gettext_noop("paid hours"), paid, "hours"), _input(gettext_noop("BTP"), cell.btp_percent, "%")),
              f"{fmt(paid)} × {fmt(cell.btp_percent)} %", delivered, "hours", cell.source, ROUNDING),
    ]
    keys = {k.name: k for k in model.keys}
    total_delivered = sum((d for _, d in hours.values()), Decimal(0))
    total_paid = sum((p for p, _ in hours.values()), Decimal(0))
    allocated: list[tuple[str, Decimal]] = []
    for pool in model.pools:
        if pool.kind == PoolKind.AUTHORITY or pool.key is None:
            continue
        key = keys[pool.key]
        amount = amounts[pool.id]
        inputs: tuple[StepInput, ...]
        if key.basis == KeyBasis.SHARES:
            percent = next((s.percent for s in key.shares if (s.service, s.time_band) == here), None)
            if percent is None:
                continue
            result = round_cent(amount * percent / HUNDRED)
            inputs = (StepInput(pool.id, amount, currency),
                      _input(gettext_noop("share in key %(key)s"), percent, "%", key=key.name))
            formula = f"{fmt(amount)} × {fmt(percent)} %"
        else:
            part, whole = (delivered, total_delivered) if key.basis == KeyBasis.DELIVERED_HOURS else (paid, total_paid)
            result = round_cent(amount * part / whole)
            here_name, all_name = (
                (gettext_noop("delivered hours here"), gettext_noop("delivered hours in all cells"))
                if key.basis == KeyBasis.DELIVERED_HOURS
                else (gettext_noop("paid hours here"), gettext_noop("paid hours in all cells"))
            )
            inputs = (StepInput(pool.id, amount, currency), _input(here_name, part, "hours"),
                      _input(all_name, whole, "hours"))
            formula = f"{fmt(amount)} × {fmt(part)} / {fmt(whole)}"
        allocated.append((pool.id, result))
        steps.append(_step(gettext_noop("%(pool)s: share allocated here"), {"pool": pool.label}, inputs, formula,
                           result, currency, pool.source, ROUNDING))
    total = sum((a for _, a in allocated), Decimal("0.00"))
    steps.append(_step(gettext_noop("Allocated cost"), {}, tuple(StepInput(name, a, currency) for name, a in allocated),
                       " + ".join(fmt(a) for _, a in allocated) or "0", total, currency, ABOVE, NO_ROUNDING))
    price = round_cent(total / delivered)
    label = (gettext_noop("In-house cost per delivered hour = allocated cost ÷ delivered hours")
             if model.in_house_adjustments else
             gettext_noop("In-house price per delivered hour = allocated cost ÷ delivered hours"))
    steps.append(_step(label, {}, (_input(gettext_noop("allocated cost"), total, currency),
                                   _input(gettext_noop("delivered hours"), delivered, "hours")),
                       f"{fmt(total)} ÷ {fmt(delivered)}", price, f"{currency}/hour", ABOVE, ROUNDING))
    reductions, price = _reduce(model, price, f"{currency}/hour")
    steps += reductions
    private_steps, private_price = _adjust(model, price)
    return PriceLine(cell.service, cell.time_band, Method.COST_POOLS, tuple(steps), price, private_steps,
                     private_price)


def _chain_line(model: CostModel, chain: MarkupChain) -> PriceLine:
    unit = f"{model.currency}/paid hour"
    values: dict[str, Decimal] = {"wage": round_cent(chain.wage)}
    order = ["wage"]
    steps: list[Step] = [Step(chain.wage_label, (_input(gettext_noop("wage"), chain.wage, unit),), fmt(chain.wage),
                              values["wage"], unit, chain.wage_source, ROUNDING)]
    for step in chain.steps:
        if step.amount is not None:
            result = round_cent(step.amount)
            inputs: tuple[StepInput, ...] = (_input(gettext_noop("given amount"), step.amount, unit),)
            formula = fmt(step.amount)
        else:
            percent = step.percent or Decimal(0)
            base = step.base or tuple(order)
            base_total = sum((values[b] for b in base), Decimal(0))
            result = round_cent(base_total * percent / HUNDRED)
            inputs = (*(StepInput(b, values[b], unit) for b in base), _input(gettext_noop("rate"), percent, "%"))
            formula = f"({' + '.join(fmt(values[b]) for b in base)}) × {fmt(percent)} %"
        values[step.id] = result
        order.append(step.id)
        steps.append(Step(step.label, inputs, formula, result, unit, step.source, ROUNDING))
    cost = sum(values.values(), Decimal("0.00"))
    parts = tuple(StepInput(name, values[name], unit) for name in order)
    steps.append(_step(gettext_noop("Cost per paid hour"), {}, parts, " + ".join(fmt(values[name]) for name in order),
                       cost, unit, ABOVE, NO_ROUNDING))
    price = cost
    if chain.btp_percent is not None:
        price = round_cent(cost / (chain.btp_percent / HUNDRED))
        steps.append(_step(gettext_noop("Price per delivered hour = cost per paid hour ÷ user-time share (BTP)"), {},
                           (_input(gettext_noop("cost per paid hour"), cost, unit),
                            _input(gettext_noop("BTP"), chain.btp_percent, "%")),
                           f"{fmt(cost)} ÷ {fmt(chain.btp_percent)} %", price, f"{model.currency}/hour",
                           chain.btp_source, ROUNDING))
    reductions, price = _reduce(model, price, steps[-1].unit)
    steps += reductions
    private_steps, private_price = _adjust(model, price)
    return PriceLine(chain.service, chain.time_band, Method.MARKUP_CHAIN, tuple(steps), price, private_steps,
                     private_price)


def calculate(model: CostModel) -> PriceSheet:
    """The price sheet of a parsed model: pool steps, one line per cell and per chain, warnings."""
    amounts, pool_steps = _pool_amounts(model)
    hours = _cell_hours(model)
    lines = [_pool_line(model, cell, amounts, hours) for cell in model.cells] if model.pools else []
    lines += [_chain_line(model, chain) for chain in model.chains]
    return PriceSheet(model.municipality, model.year, model.currency, tuple(pool_steps), tuple(lines),
                      check_cost_model(model))


def calculate_document(document: Any) -> PriceSheet:
    """Parse and calculate in one go (raises CostModelError)."""
    return calculate(parse_cost_model(document))


# ---------------------------------------------------------------------------------------------
# After-calculation


@dataclass(frozen=True)
class Delivery:
    """Hours a provider delivered of a service in a time band during the year."""

    provider: str
    private: bool
    service: str
    time_band: str
    hours: Decimal


@dataclass(frozen=True)
class AfterLine:
    provider: str
    service: str
    time_band: str
    hours: Decimal
    set_price: Decimal
    actual_price: Decimal
    difference: Decimal  # (actual − set) × hours, rounded to 0.01
    settled: Decimal  # what is paid out (+) or back (−) under the direction
    formula: str


@dataclass(frozen=True)
class AfterCalculation:
    direction: Direction
    lines: tuple[AfterLine, ...]

    def total_for(self, provider: str) -> Decimal:
        return sum((line.settled for line in self.lines if line.provider == provider), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return sum((line.settled for line in self.lines), Decimal("0.00"))


def after_calculate(
    *, set_sheet: PriceSheet, actual_sheet: PriceSheet, deliveries: Sequence[Delivery], direction: Direction
) -> AfterCalculation:
    """Per delivery: (actual price − set price) × hours delivered. Private providers are compared
    on their adjusted prices when the sheets have them. Under UPWARD_ONLY a negative difference
    is not recovered."""
    lines: list[AfterLine] = []
    errors: list[Issue] = []
    for i, delivery in enumerate(deliveries):
        try:
            set_line = set_sheet.line(delivery.service, delivery.time_band)
            actual_line = actual_sheet.line(delivery.service, delivery.time_band)
        except KeyError:
            errors.append(issue(f"deliveries.{i}", "unknown_cell",
                                gettext_noop("%(service)s / %(band)s is not priced on both sheets"),
                                service=delivery.service, band=delivery.time_band))
            continue
        if delivery.hours < 0:
            errors.append(issue(f"deliveries.{i}.hours", "negative", gettext_noop("hours must not be negative")))
            continue
        set_price = set_line.in_house_price
        actual_price = actual_line.in_house_price
        if delivery.private and set_line.private_price is not None and actual_line.private_price is not None:
            set_price, actual_price = set_line.private_price, actual_line.private_price
        difference = round_cent((actual_price - set_price) * delivery.hours)
        settled = difference
        formula = f"({fmt(actual_price)} − {fmt(set_price)}) × {fmt(delivery.hours)}"
        if direction == Direction.UPWARD_ONLY and difference < 0:
            settled = Decimal("0.00")
            formula += " → 0.00 (upward only)"
        lines.append(AfterLine(delivery.provider, delivery.service, delivery.time_band, delivery.hours, set_price,
                               actual_price, difference, settled, formula))
    if errors:
        raise CostModelError(errors)
    return AfterCalculation(direction, tuple(lines))


# ---------------------------------------------------------------------------------------------
# Plain data for JSON, storage and templates


def _step_dict(step: Step) -> dict[str, Any]:
    return {
        "label": step.label,
        "label_template": step.label_template,
        "label_params": dict(step.label_params),
        "inputs": [{"name": i.name, "name_template": i.name_template, "name_params": dict(i.name_params),
                    "value": fmt(i.value), "unit": i.unit} for i in step.inputs],
        "formula": step.formula,
        "result": fmt(step.result),
        "unit": step.unit,
        "source": step.source,
        "rounding": step.rounding,
    }


def line_to_dict(line: PriceLine) -> dict[str, Any]:
    return {
        "service": line.service,
        "time_band": line.time_band,
        "method": line.method.value,
        "steps": [_step_dict(s) for s in line.steps],
        "in_house_price": fmt(line.in_house_price),
        "private_steps": [_step_dict(s) for s in line.private_steps],
        "private_price": None if line.private_price is None else fmt(line.private_price),
    }


def issue_to_dict(found: Issue) -> dict[str, Any]:
    """`message` in English; `template` and `params` to show it in another language."""
    return {"path": found.path, "code": found.code, "message": found.message, "template": found.template,
            "params": dict(found.params)}


def sheet_to_dict(sheet: PriceSheet) -> dict[str, Any]:
    return {
        "municipality": sheet.municipality,
        "year": sheet.year,
        "currency": sheet.currency,
        "pool_steps": [_step_dict(s) for s in sheet.pool_steps],
        "lines": [line_to_dict(line) for line in sheet.lines],
        "warnings": [issue_to_dict(w) for w in sheet.warnings],
    }


def after_to_dict(result: AfterCalculation) -> dict[str, Any]:
    return {
        "direction": result.direction.value,
        "total": fmt(result.total),
        "lines": [
            {
                "provider": line.provider,
                "service": line.service,
                "time_band": line.time_band,
                "hours": fmt(line.hours),
                "set_price": fmt(line.set_price),
                "actual_price": fmt(line.actual_price),
                "difference": fmt(line.difference),
                "settled": fmt(line.settled),
                "formula": line.formula,
            }
            for line in result.lines
        ],
    }


# --- Comparison across municipalities (the 232-vs-481 question made visible) -------------------


@dataclass(frozen=True)
class PricePoint:
    """One municipality's in-house price for a service and time band, and the sheet it comes from.
    The spread is of the in-house prices; `private_price` is shown beside them."""

    label: str
    ref: str
    price: Decimal
    private_price: Decimal | None = None  # the private provider's price on the same sheet, if it has one


@dataclass(frozen=True)
class PriceSpread:
    points: tuple[PricePoint, ...]  # cheapest first
    lowest: Decimal
    highest: Decimal
    median: Decimal
    ratio: Decimal | None  # highest ÷ lowest, two decimals; None when the lowest is 0
    outliers: frozenset[str]  # refs outside Tukey's fences around the hinges (needs four prices)


#: Tukey's fences: a price more than 1.5 × the interquartile range outside the quartiles.
OUTLIER_FENCE = Decimal("1.5")
MIN_POINTS_FOR_OUTLIERS = 4


def _median(values: Sequence[Decimal]) -> Decimal:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def price_spread(points: Sequence[PricePoint]) -> PriceSpread:
    """Lowest, highest, median, the ratio between the extremes and the outliers of a set of prices.
    Quartiles are Tukey's hinges: the medians of the lower and upper halves, each half including
    the median when the count is odd."""
    if not points:
        raise ValueError("a spread needs at least one price")
    ordered = tuple(sorted(points, key=lambda p: (p.price, p.label)))
    prices = [p.price for p in ordered]
    lowest, highest = prices[0], prices[-1]
    ratio = (highest / lowest).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if lowest else None
    outliers: frozenset[str] = frozenset()
    if len(prices) >= MIN_POINTS_FOR_OUTLIERS:
        half = (len(prices) + 1) // 2
        q1, q3 = _median(prices[:half]), _median(prices[-half:])
        fence = OUTLIER_FENCE * (q3 - q1)
        outliers = frozenset(p.ref for p in ordered if p.price < q1 - fence or p.price > q3 + fence)
    return PriceSpread(ordered, lowest, highest, _median(prices), ratio, outliers)
