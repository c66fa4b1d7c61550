"""An indicator is a typed query object: frozen parameters (municipality, period, filters and the
dimensions to break it down by) → `run(engine)` → an Arrow table, computed by Ibis on DuckDB over
a follow-up snapshot (followup.snapshot_schema). Subclasses declare what they are (aspect,
title, method, output columns, chart) and build one Ibis expression in `expression`; nothing here
touches Django's database, so every indicator is tested on small hand-made tables.

Output: one row per combination of the requested dimensions (`by`), the dimension columns first
(`municipality_id`, `district_id`, `service_id`, `provider_id`, `month`, in that order), then the
declared value columns. Shares are fractions 0–1 (float64), hours float64 rounded to 0.01, money
integer minor units. `count` columns count people or cases: published figures suppress a row
whose count column is below the threshold (followup.rules.suppress)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from frivalg.followup.engine import Engine

#: The dimensions an indicator may be broken down by, in output order, and their columns.
DIMENSIONS: dict[str, str] = {
    "municipality": "municipality_id",
    "district": "district_id",
    "service": "service_id",
    "provider": "provider_id",
    "month": "month",
}

#: The seven aspects, in the order the report presents them (the six of a welfare market —
#: supply, actors, freedom of choice, fairness, economy, competition — and quality).
ASPECTS = ("supply", "actors", "choice", "fairness", "economy", "competition", "quality")

#: Column kinds: how a value is formatted and whether it counts people.
KINDS = ("count", "share", "hours", "minutes", "money", "index", "days", "number", "text", "date")


@dataclass(frozen=True)
class Column:
    name: str
    label: Promise | str
    kind: str
    #: Published figures suppress a row when this count is below the threshold.
    suppress_below: bool = False
    #: Display names for the codes a text column holds (e.g. provider kinds), translated.
    labels: Mapping[str, Promise | str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Chart:
    """How the dashboard draws the table: a Vega-Lite mark with its x, y and colour columns
    (dimension columns are shown by their names)."""

    mark: str  # "bar" | "line" | "point"
    x: str
    y: str
    color: str | None = None


class IndicatorError(ValueError):
    """Parameters an indicator cannot run with (unknown dimension, empty period …)."""


@dataclass(frozen=True, kw_only=True)
class Indicator(ABC):
    """The parameters every indicator takes. `end` is exclusive; `by` lists dimensions from
    DIMENSIONS (each must be in the class's `dimensions`); the ids filter to one unit."""

    start: date
    end: date
    municipality_id: int | None = None
    by: tuple[str, ...] = ()
    district_id: int | None = None
    service_id: int | None = None
    provider_id: int | None = None

    code: ClassVar[str]
    aspect: ClassVar[str]
    title: ClassVar[Promise | str]
    #: What the figure says, one or two plain sentences.
    description: ClassVar[Promise | str]
    #: How it is computed, stated so anyone can check it.
    method: ClassVar[Promise | str]
    dimensions: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[Column, ...]]
    #: Shown on the published figures page (no login), with small counts suppressed.
    public: ClassVar[bool] = False
    chart: ClassVar[Chart | None] = None
    #: For "best practice" highlighting in comparisons: the column and whether higher is better.
    best: ClassVar[tuple[str, bool] | None] = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise IndicatorError("the period must end after it starts")
        unknown = [d for d in self.by if d not in DIMENSIONS]
        if unknown:
            raise IndicatorError(f"unknown dimension {unknown[0]!r}")
        unsupported = [d for d in self.by if d not in self.dimensions]
        if unsupported:
            raise IndicatorError(f"{self.code} cannot be broken down by {unsupported[0]}")
        if len(set(self.by)) != len(self.by):
            raise IndicatorError("a dimension is named twice")
        # Canonical order, so equal requests share a cache key.
        object.__setattr__(self, "by", tuple(d for d in DIMENSIONS if d in self.by))

    # -- identity -----------------------------------------------------------------------------

    def parameters(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
                for k, v in values.items()}

    def key(self) -> str:
        """A stable hash of the indicator and its parameters (the cache key with the data stamp)."""
        text = json.dumps({"code": self.code, **self.parameters()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def group_columns(self) -> list[str]:
        return [DIMENSIONS[d] for d in self.by]

    @property
    def output_schema(self) -> list[str]:
        return [*self.group_columns, *(c.name for c in self.columns)]

    # -- computing ----------------------------------------------------------------------------

    def scoped(self, table: ir.Table, day: str | None = None, *, until: str | None = None) -> ir.Table:
        """`table` filtered to the municipality, the unit filters (for the columns it has) and the
        period: `day` in [start, end), or, with `until`, rows in force on some day of the period
        (`day` ≤ last day and `until` null or ≥ start)."""
        columns = set(table.columns)
        for column, value in (("municipality_id", self.municipality_id), ("district_id", self.district_id),
                              ("service_id", self.service_id), ("provider_id", self.provider_id)):
            if value is not None and column in columns:
                table = table.filter(table[column] == value)
        if day is not None and until is None:
            table = table.filter((table[day] >= self.start) & (table[day] < self.end))
        elif day is not None and until is not None:
            table = table.filter((table[day] < self.end) & (table[until].isnull() | (table[until] >= self.start)))
        return table

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    def monthly_visits(self, engine: Engine) -> ir.Table:
        """The done visits in scope summed per month, district, service, provider and citizen
        (followup.engine.monthly): read from the stored cube when the period is whole months,
        else summed from the visits of the period's days. The same shape either way."""
        from frivalg.followup.engine import monthly

        if self.whole_months:
            return self.scoped(engine.visit_months, "month")
        return monthly(self.scoped(engine.visits, "day"))

    @abstractmethod
    def expression(self, engine: Engine) -> ir.Table:
        """The Ibis expression of the output table (dimension columns, then `columns`)."""

    def run(self, engine: Engine) -> pa.Table:
        expr = self.expression(engine)
        names = self.output_schema
        missing = [n for n in names if n not in expr.columns]
        if missing:
            raise RuntimeError(f"{self.code}: the expression lacks {', '.join(missing)}")
        ordered = expr.select(*names)
        # Rows in a fixed order: by the dimensions, then by the text columns that key a row
        # (provider kind, task code …).
        keys = [*self.group_columns, *(c.name for c in self.columns if c.kind == "text")]
        if keys:
            ordered = ordered.order_by(*keys)
        return engine.execute(ordered)


def literal_date(value: date) -> ir.DateScalar:
    return ibis.literal(value, type="date")


@dataclass
class Registry:
    indicators: dict[str, type[Indicator]] = field(default_factory=dict)

    def register(self, cls: type[Indicator]) -> type[Indicator]:
        if cls.code in self.indicators:
            raise ValueError(f"indicator {cls.code!r} registered twice")
        if cls.aspect not in ASPECTS:
            raise ValueError(f"{cls.code}: unknown aspect {cls.aspect!r}")
        self.indicators[cls.code] = cls
        return cls


REGISTRY = Registry()
register = REGISTRY.register
