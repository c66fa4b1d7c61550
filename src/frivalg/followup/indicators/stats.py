"""Building blocks shared by the fairness and quality indicators: who counts as a client, fixed
need bands, the 14-day continuity windows, and a few null-safe Ibis expressions (ratios, outer
joins on the dimension columns). Pure: no Django, no I/O — every function builds an expression
or computes a small value."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine
    from frivalg.followup.indicators.base import Indicator

#: Fixed need bands (need points, both ends inclusive; None: no upper end) and their keys. Fixed
#: rather than quartiles so the bands mean the same in every period and municipality.
NEED_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 9, "0-9"),
    (10, 19, "10-19"),
    (20, 29, "20-29"),
    (30, None, "30+"),
)


def need_band(points: int) -> str:
    """The key of the band `points` falls in (negative points are not a need)."""
    if points < 0:
        raise ValueError("need points cannot be negative")
    for low, high, key in NEED_BANDS:
        if points >= low and (high is None or points <= high):
            return key
    raise AssertionError("the bands cover every non-negative number")  # pragma: no cover


def need_band_expr(points: ir.IntegerValue) -> ir.StringValue:
    """`need_band` as an Ibis expression (null points: null band)."""
    branches = [(points <= high, key) for low, high, key in NEED_BANDS if high is not None]
    last = NEED_BANDS[-1][2]
    return ibis.cases(*branches, else_=ibis.ifelse(points.isnull(), ibis.null("string"), ibis.literal(last)))


def windows(start: date, end: date, days: int) -> list[date]:
    """The first days of the consecutive `days`-long windows from `start` that end by `end`
    (exclusive): a last window shorter than `days` is left out."""
    if days <= 0:
        raise ValueError("a window has at least one day")
    count = (end - start).days // days
    return [start + timedelta(days=days * i) for i in range(max(count, 0))]


def ratio(part: ir.NumericValue, whole: ir.NumericValue, digits: int) -> ir.FloatingValue:
    """part / whole rounded to `digits`, null when the whole is zero or unknown."""
    value = part.cast("float64") / whole.cast("float64")
    return ibis.ifelse(whole.notnull() & (whole != 0), value.round(digits), ibis.null("float64"))


def aggregate(table: ir.Table, keys: list[str], **metrics: ir.Value) -> ir.Table:
    """`table` aggregated per `keys`, or into one row when there are none."""
    return table.group_by(keys).aggregate(**metrics) if keys else table.aggregate(**metrics)


def keyed(table: ir.Table, keys: list[str]) -> tuple[ir.Table, list[str]]:
    """`table` with a constant join key when there are no dimension keys (one row each side)."""
    if keys:
        return table, keys
    return table.mutate(_all=ibis.literal(1)), ["_all"]


def outer_join(left: ir.Table, right: ir.Table, keys: list[str]) -> ir.Table:
    """Full outer join on the dimension columns `keys` (nulls match nulls), one column per key."""
    left, on = keyed(left, keys)
    right, _ = keyed(right, keys)
    right = right.rename({f"{k}__r": k for k in on})
    joined = left.join(right, [left[k].identical_to(right[f"{k}__r"]) for k in on], how="outer")
    merged = joined.mutate(**{k: joined[k].coalesce(joined[f"{k}__r"]) for k in on})
    return merged.drop(*(f"{k}__r" for k in on), *([] if keys else ["_all"]))


def left_join(left: ir.Table, right: ir.Table, keys: list[str]) -> ir.Table:
    """Left join on the dimension columns `keys` (nulls match nulls); `right` has one row per key."""
    left, on = keyed(left, keys)
    right, _ = keyed(right, keys)
    right = right.rename({f"{k}__r": k for k in on})
    joined = left.join(right, [left[k].identical_to(right[f"{k}__r"]) for k in on], how="left")
    return joined.drop(*(f"{k}__r" for k in on), *([] if keys else ["_all"]))


def in_district(indicator: Indicator, engine: Engine, table: ir.Table) -> ir.Table:
    """`table` (with `citizen_id`, without a district of its own) restricted to the citizens of
    the indicator's district filter, by the citizen's district now; unchanged without a filter."""
    if indicator.district_id is None or "district_id" in table.columns:
        return table
    c = engine.citizens
    local = c.filter(c.district_id == indicator.district_id).select("citizen_id")
    return table.filter(table.citizen_id.isin(local.citizen_id))


def done_visits(indicator: Indicator, engine: Engine) -> ir.Table:
    """Done visits in the indicator's scope and period, summed per month, district, service,
    provider and citizen (Indicator.monthly_visits): `done_visits`, `performed_minutes`, the
    check-in counts."""
    m = indicator.monthly_visits(engine)
    return m.filter(m.done_visits > 0)


def clients(indicator: Indicator, engine: Engine, keys: list[str]) -> ir.Table:
    """One row per client and `keys`: the distinct citizens with a done visit in the scope and
    period, with their delivered (checked in and out) minutes and their need points now (null
    without a completed assessment). One aggregate over the visits; the citizens join onto it."""
    v = done_visits(indicator, engine)
    grain = list(dict.fromkeys([*keys, "municipality_id", "citizen_id"]))
    per_client = v.group_by(grain).aggregate(minutes=v.performed_minutes.sum().coalesce(0))
    c = engine.citizens.select("municipality_id", "citizen_id", "need_points")
    joined = per_client.join(c, [per_client.municipality_id == c.municipality_id,
                                 per_client.citizen_id == c.citizen_id], how="left")
    return joined.select(*grain, "minutes", "need_points")
