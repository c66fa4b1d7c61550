"""Fairness: whom each provider serves (case mix against the municipality's), whom it lets go
(provider-initiated terminations by need — the cream-skimming indicator) and how long citizens
wait by need."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register
from frivalg.followup.indicators.stats import (
    aggregate,
    clients,
    in_district,
    left_join,
    need_band_expr,
    outer_join,
    ratio,
)

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: A heavy client has at least this many need points. Fixed (not a percentile of the
#: municipality's clients, which moves with every intake): 20 points is about the top quarter of
#: home-care clients on FSIII (scores 1–4 summed over the assessed areas); a parameter, so a
#: municipality can read the figures with its own line.
HEAVY_FROM = 20


def need_summary(table: ir.Table, heavy_from: int, prefix: str) -> dict[str, ir.Value]:
    """Aggregates of a table with `need_points` (nulls left out): `{prefix}_mean`, `{prefix}_heavy`
    (how many have at least `heavy_from` points) and `{prefix}_assessed` (how many have points)."""
    need = table.need_points
    return {
        f"{prefix}_mean": need.mean(),
        f"{prefix}_heavy": need.count(where=need >= heavy_from),
        f"{prefix}_assessed": need.count(),
    }


@dataclass(frozen=True, kw_only=True)
class NeedIndicator(Indicator):
    """An indicator reading clients' need against a line for heavy clients."""

    heavy_from: int = HEAVY_FROM


@register
@dataclass(frozen=True, kw_only=True)
class CaseMix(NeedIndicator):
    code = "case_mix"
    aspect = "fairness"
    title = _("Case mix per provider")
    description = _("How heavy the clients each provider serves are, against all the municipality's clients.")
    method = _(
        "Clients are the distinct citizens with a done visit from the provider in the period. Their need is the "
        "need points of their latest completed assessment (FSIII: the scores 1–4 summed; IPLOS: score − 1 "
        "summed); clients without a completed assessment count as clients but are left out of the need figures. "
        "Shown: the mean need, the 25th, 50th and 75th percentiles (linear interpolation), delivered (checked in "
        "and out) hours per client, and the share of heavy clients: 20 need points or more unless another line "
        "is chosen. The municipality's mean and heavy share are computed the same way over all its clients (in "
        "the same service when broken down by service), whichever provider served them; the need index is the "
        "provider's mean divided by the municipality's (above 1: heavier clients than the municipality's).")
    dimensions = ("municipality", "service", "provider")
    columns = (
        Column("clients", _("Clients"), "count", suppress_below=True),
        Column("mean_need", _("Mean need points"), "number"),
        Column("need_p25", _("Need, 25th percentile"), "number"),
        Column("need_median", _("Need, median"), "number"),
        Column("need_p75", _("Need, 75th percentile"), "number"),
        Column("hours_per_client", _("Delivered hours per client"), "hours"),
        Column("heavy_share", _("Share of heavy clients"), "share"),
        Column("municipality_mean_need", _("Municipality's mean need points"), "number"),
        Column("municipality_heavy_share", _("Municipality's share of heavy clients"), "share"),
        Column("need_index", _("Need index (provider / municipality)"), "index"),
    )
    chart = Chart("bar", "provider_id", "need_index")

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        reference_keys = [c for c in groups if c != "provider_id"]
        # One pass over the visits, without the provider filter: the municipality's figures
        # cover every provider's clients.
        everyone = clients(dataclasses.replace(self, provider_id=None), engine,
                           [*reference_keys, "provider_id"])
        mine = everyone if self.provider_id is None else everyone.filter(everyone.provider_id == self.provider_id)
        if "provider_id" not in groups:  # a client of two providers counts once
            mine = aggregate(mine, [*groups, "citizen_id"], minutes=mine.minutes.sum(),
                             need_points=mine.need_points.max())
        need = mine.need_points
        own = aggregate(
            mine, groups,
            clients=mine.count(),
            minutes=mine.minutes.sum(),
            need_p25=need.quantile(0.25).round(2),
            need_median=need.quantile(0.5).round(2),
            need_p75=need.quantile(0.75).round(2),
            **need_summary(mine, self.heavy_from, "own"),
        )
        own = own.filter(own.clients > 0)
        distinct = aggregate(
            everyone, [*reference_keys, "citizen_id"],
            need_points=everyone.need_points.max())
        reference = aggregate(
            distinct, reference_keys,
            **need_summary(distinct, self.heavy_from, "ref"))
        out = left_join(own, reference, reference_keys)
        return out.mutate(
            mean_need=out.own_mean.round(2),
            hours_per_client=ratio(out.minutes, out.clients * 60, 2),
            heavy_share=ratio(out.own_heavy, out.own_assessed, 4),
            municipality_mean_need=out.ref_mean.round(2),
            municipality_heavy_share=ratio(out.ref_heavy, out.ref_assessed, 4),
            need_index=ratio(out.own_mean, out.ref_mean, 2),
        )


@register
@dataclass(frozen=True, kw_only=True)
class CreamSkimming(NeedIndicator):
    code = "cream_skimming"
    aspect = "fairness"
    title = _("Cream-skimming: terminations by client need")
    description = _("Whether providers end their relationship with heavier clients than the clients they serve.")
    #: A provider is flagged when the terminated clients' mean need is at least this multiple of
    #: its clients' mean need …
    SIGNAL_RATIO: ClassVar[float] = 1.25
    #: … over at least this many terminations in the period (fewer say nothing).
    SIGNAL_MIN_TERMINATIONS: ClassVar[int] = 3
    method = _(
        "Terminations are the client relationships the provider itself ended, with the last day in the period, "
        "and the client's need points at the time. Clients are the distinct citizens with a done visit from the "
        "provider in the period, with the need points of their latest completed assessment. The skimming ratio "
        "is the mean need of the terminated clients divided by the mean need of the provider's clients: above 1 "
        "the provider ends relationships with heavier clients than it serves. Heavy: 20 need points or more "
        "unless another line is chosen. A signal is raised when the ratio is 1.25 or more over at least 3 "
        "terminations. A few terminations make the ratio noisy, so read it with the number of terminations; "
        "published figures hide rows with fewer than 5.")
    dimensions = ("municipality", "service", "provider")
    columns = (
        Column("terminations", _("Provider-initiated terminations"), "count", suppress_below=True),
        Column("terminated_mean_need", _("Mean need of terminated clients"), "number"),
        Column("clients", _("Clients"), "count"),
        Column("client_mean_need", _("Mean need of clients"), "number"),
        Column("skimming_ratio", _("Skimming ratio"), "index"),
        Column("terminated_heavy_share", _("Heavy share of terminated clients"), "share"),
        Column("client_heavy_share", _("Heavy share of clients"), "share"),
        Column("signal", _("Signal"), "text"),
    )
    chart = Chart("bar", "provider_id", "skimming_ratio")
    best = ("skimming_ratio", False)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        t = in_district(self, engine, self.scoped(engine.terminations, "last_day"))
        ended = aggregate(
            t, groups,
            terminations=t.count(), **need_summary(t, self.heavy_from, "t"))
        ended = ended.filter(ended.terminations > 0)
        c = clients(self, engine, groups)
        served = aggregate(
            c, groups,
            clients=c.count(), **need_summary(c, self.heavy_from, "c"))
        served = served.filter(served.clients > 0)
        out = outer_join(ended, served, groups)
        terminations = out.terminations.coalesce(0)
        skimming = ratio(out.t_mean, out.c_mean, 2)
        return out.mutate(
            terminations=terminations,
            terminated_mean_need=out.t_mean.round(2),
            clients=out.clients.coalesce(0),
            client_mean_need=out.c_mean.round(2),
            skimming_ratio=skimming,
            terminated_heavy_share=ratio(out.t_heavy, out.t_assessed, 4),
            client_heavy_share=ratio(out.c_heavy, out.c_assessed, 4),
            signal=ibis.ifelse((skimming >= self.SIGNAL_RATIO) & (terminations >= self.SIGNAL_MIN_TERMINATIONS),
                               "signal", "none"),
        )


@register
class WaitingByNeed(Indicator):
    code = "waiting_by_need"
    aspect = "fairness"
    title = _("Waiting times by need")
    description = _("How long citizens wait for a limited place, by how great their need is.")
    method = _(
        "Waiting-list entries by the need points they rank with, in fixed bands: 0–9, 10–19, 20–29 and 30 or "
        "more (entries without need points are left out). Placed: entries placed in the period, with the mean "
        "and median days from application to placement. Still waiting: entries applied for before the period's "
        "end and neither placed nor gone from the list by then, with the mean days from application to the "
        "period's end.")
    dimensions = ("municipality", "service")
    columns = (
        Column("need_band", _("Need points"), "text"),
        Column("placed", _("Placed"), "count", suppress_below=True),
        Column("mean_days_to_place", _("Mean days to placement"), "days"),
        Column("median_days_to_place", _("Median days to placement"), "days"),
        Column("still_waiting", _("Still waiting"), "count", suppress_below=True),
        Column("mean_days_waiting", _("Mean days waited so far"), "days"),
    )
    chart = Chart("bar", "need_band", "mean_days_to_place", "service_id")
    best = ("mean_days_to_place", False)

    def expression(self, engine: Engine) -> ir.Table:
        w = in_district(self, engine, self.scoped(engine.waiting))
        w = w.filter(w.applied_day < self.end)
        w = w.filter(w.need_score.notnull()).mutate(need_band=need_band_expr(w.need_score))
        end = ibis.literal(self.end, type="date")
        placed = w.placed_day.notnull() & (w.placed_day >= self.start) & (w.placed_day < self.end)
        waiting = ((w.placed_day.isnull() | (w.placed_day >= self.end))
                   & (w.left_day.isnull() | (w.left_day >= self.end)))
        to_place = w.placed_day.delta(w.applied_day, unit="day")
        so_far = end.delta(w.applied_day, unit="day")
        out = aggregate(
            w, [*self.group_columns, "need_band"],
            placed=w.count(where=placed),
            mean_days_to_place=to_place.mean(where=placed).round(1),
            median_days_to_place=to_place.quantile(0.5, where=placed).round(1),
            still_waiting=w.count(where=waiting),
            mean_days_waiting=so_far.mean(where=waiting).round(1),
        )
        return out.filter((out.placed > 0) | (out.still_waiting > 0))

    def run(self, engine: Engine) -> pa.Table:
        # The bands in order within each breakdown (their keys sort as numbers do).
        table = super().run(engine)
        return table.sort_by([(name, "ascending") for name in [*self.group_columns, "need_band"]])
