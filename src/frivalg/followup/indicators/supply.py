"""Supply: how many providers are approved where, the districts with one or no private provider
(thin markets), and the capacity of the approvals against the clients choosing them.

Also the building blocks the actors and choice indicators share: approvals expanded to the
districts they serve, choices with the citizen's district, and joins of per-group aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, literal_date, register

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: Approvals that let a provider serve clients for some time (not applied for or rejected).
SERVING = ("approved", "suspended", "terminated")
#: Approvals whose capacity counts: a suspended approval takes no clients.
OFFERING = ("approved", "terminated")
#: Provider kinds that are not the municipality's own unit.
INDEPENDENT = ("private", "non_profit")


def served_approvals(indicator: Indicator, engine: Engine, statuses: Sequence[str] = SERVING) -> ir.Table:
    """Approvals of `statuses`, one row per district served — an approval without districts serves
    every district of its municipality (kept with a null district when the municipality has
    none) — with the provider's `kind`, filtered to the indicator's municipality and units but
    not to its period."""
    a = engine.approvals.filter(engine.approvals.status.isin(list(statuses)))
    if indicator.municipality_id is not None:
        a = a.filter(a.municipality_id == indicator.municipality_id)
    columns = [c for c in a.columns if c != "district_id"]
    districts = engine.districts.select(served_in="municipality_id", served="district_id")
    everywhere = a.filter(a.district_id.isnull())
    everywhere = everywhere.left_join(districts, everywhere.municipality_id == districts.served_in)
    expanded = a.filter(a.district_id.notnull()).select(*columns, "district_id").union(
        everywhere.select(*columns, district_id=everywhere.served))
    kinds = engine.providers.select(kind_of="provider_id", kind="kind")
    with_kind = expanded.left_join(kinds, expanded.provider_id == kinds.kind_of).drop("kind_of")
    return indicator.scoped(with_kind)


def citizens_choices(engine: Engine) -> ir.Table:
    """Every choice with the chosen citizen's district now (from the citizens table)."""
    c = engine.choices
    citizens = engine.citizens.select(lives_in="municipality_id", who="citizen_id", district_id="district_id")
    joined = c.left_join(citizens, (c.municipality_id == citizens.lives_in) & (c.citizen_id == citizens.who))
    return joined.drop("lives_in", "who")


def _renamed(right: ir.Table, keys: Sequence[str]) -> tuple[ir.Table, dict[str, str]]:
    names = {key: f"{key}__right" for key in keys}
    return right.rename({new: old for old, new in names.items()}), names


def left_join_groups(left: ir.Table, right: ir.Table, keys: Sequence[str]) -> ir.Table:
    """`left` with the columns of `right` matched on the group columns `keys` (nulls match nulls);
    with no keys both are single-row totals and are put side by side."""
    if not keys:
        return left.cross_join(right)
    right, names = _renamed(right, keys)
    joined = left.left_join(right, [left[k].identical_to(right[names[k]]) for k in keys])
    return joined.drop(*names.values())


def outer_join_groups(left: ir.Table, right: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Every group of `left` or `right` (nulls match nulls), the group columns filled from either."""
    if not keys:
        return left.cross_join(right)
    right, names = _renamed(right, keys)
    joined = left.outer_join(right, [left[k].identical_to(right[names[k]]) for k in keys])
    return joined.mutate(**{k: ibis.coalesce(joined[k], joined[names[k]]) for k in keys}).drop(*names.values())


@register
class ApprovedProviders(Indicator):
    code = "approved_providers"
    aspect = "supply"
    title = _("Approved providers")
    description = _("How many providers are approved to deliver each service in each district, and how many of "
                    "them are private or non-profit.")
    method = _(
        "Counts the providers holding an approval that is approved, suspended or terminated and in force on at "
        "least one day of the period. An approval without listed districts counts in every district of the "
        "municipality. Applications and rejected approvals are left out. A provider counts once per row, however "
        "many approvals it holds; 'private' counts private and non-profit providers, 'in-house' the "
        "municipality's own unit.")
    dimensions = ("municipality", "district", "service")
    columns = (
        Column("providers", _("Approved providers"), "count"),
        Column("private", _("Private and non-profit providers"), "count"),
        Column("in_house", _("In-house providers"), "count"),
    )
    public = True
    chart = Chart("bar", "district_id", "providers", "service_id")
    best = ("providers", True)

    def expression(self, engine: Engine) -> ir.Table:
        a = self.scoped(served_approvals(self, engine), "from_day", until="to_day")
        return a.aggregate(
            by=self.group_columns,
            providers=a.provider_id.nunique(),
            private=a.provider_id.nunique(where=a.kind.isin(INDEPENDENT)),
            in_house=a.provider_id.nunique(where=a.kind == "in_house"),
        )


@register
class ThinMarkets(Indicator):
    code = "thin_markets"
    aspect = "supply"
    title = _("Districts with one or no private provider")
    description = _("Where citizens have little real choice: district and service markets served by at most one "
                    "private or non-profit provider.")
    method = _(
        "A market is a district of the municipality and a service that at least one provider is approved for in "
        "the period (approved, suspended or terminated approvals in force on some day of it; an approval without "
        "listed districts serves every district). A market is thin when one or no private or non-profit provider "
        "is approved in it; the in-house unit does not count. Per row: the private and non-profit providers "
        "approved anywhere in the row's markets, the number of markets, how many are thin, and whether the row as "
        "a whole has one or no private provider. Broken down by district and service, each row is one market.")
    dimensions = ("municipality", "district", "service")
    columns = (
        Column("private_providers", _("Private and non-profit providers"), "count"),
        Column("markets", _("District and service markets"), "count"),
        Column("thin_markets", _("Markets with one or no private provider"), "count"),
        Column("thin_market", _("One or no private provider"), "text"),
    )
    public = True
    chart = Chart("bar", "district_id", "private_providers", "service_id")
    best = ("thin_markets", False)

    def expression(self, engine: Engine) -> ir.Table:
        a = self.scoped(served_approvals(self, engine), "from_day", until="to_day")
        private = a.filter(a.kind.isin(INDEPENDENT))
        market = ["municipality_id", "district_id", "service_id"]
        offered = a.select("municipality_id", "service_id").distinct()
        districts = self.scoped(engine.districts).select("municipality_id", "district_id")
        markets = offered.inner_join(districts, "municipality_id")
        per_market = private.aggregate(by=market, private=private.provider_id.nunique())
        markets = left_join_groups(markets, per_market, market)
        markets = markets.mutate(thin=markets.private.fill_null(0) <= 1)

        groups = self.group_columns
        counts = markets.aggregate(by=groups, markets=markets.count(),
                                   thin_markets=markets.thin.cast("int64").sum())
        in_markets = private.semi_join(markets, [private[k] == markets[k] for k in market])
        providers = in_markets.aggregate(by=groups, private_providers=in_markets.provider_id.nunique())
        out = left_join_groups(counts, providers, groups)
        out = out.filter(out.markets > 0)
        private_providers = out.private_providers.fill_null(0)
        return out.mutate(private_providers=private_providers, thin_market=private_providers <= 1)


@register
class CapacityDemand(Indicator):
    code = "capacity_demand"
    aspect = "supply"
    title = _("Capacity and demand")
    description = _("The places the approved providers offer against the citizens who have chosen them, on the "
                    "last day of the period.")
    method = _(
        "On the last day of the period: capacity is the sum of the capacities (clients) of the approvals in force "
        "that are approved or terminated with notice (suspended approvals take no clients), each approval counted "
        "once. Approvals without a capacity have no limit and are counted as providers without a limit instead. "
        "Clients are the distinct citizens with a choice of the service in force that day, placed in the district "
        "they live in now. Utilisation is the clients of providers with a capacity divided by that capacity; it "
        "can exceed 100 %. By district, an approval serving several districts counts its whole capacity in each "
        "of them, so district figures do not add up to the municipality's.")
    dimensions = ("municipality", "district", "service")
    columns = (
        Column("capacity", _("Capacity (clients)"), "count"),
        Column("unlimited_providers", _("Providers without a capacity limit"), "count"),
        Column("clients", _("Clients"), "count", suppress_below=True),
        Column("utilisation", _("Utilisation"), "share"),
    )
    chart = Chart("bar", "service_id", "utilisation", "district_id")
    best = ("utilisation", True)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        last = literal_date(self.end - timedelta(days=1))
        a = served_approvals(self, engine, OFFERING)
        a = a.filter((a.from_day <= last) & (a.to_day.isnull() | (a.to_day >= last)))
        per_approval = a.select(*groups, "approval_id", "provider_id", "capacity").distinct()
        supply = per_approval.aggregate(
            by=groups,
            capacity=per_approval.capacity.cast("int64").sum(),
            unlimited_providers=per_approval.provider_id.nunique(where=per_approval.capacity.isnull()),
        )

        c = self.scoped(citizens_choices(engine))
        c = c.filter((c.from_day <= last) & (c.to_day.isnull() | (c.to_day >= last)))
        limits = a.select(limit_provider="provider_id", limit_service="service_id",
                          limited=a.capacity.notnull()).distinct()
        c = c.left_join(limits, (c.provider_id == limits.limit_provider) & (c.service_id == limits.limit_service))
        demand = c.aggregate(by=groups, clients=c.citizen_id.nunique(),
                             limited_clients=c.citizen_id.nunique(where=c.limited.fill_null(False)))

        out = outer_join_groups(supply, demand, groups)
        capacity = out.capacity.fill_null(0)
        out = out.mutate(capacity=capacity, unlimited_providers=out.unlimited_providers.fill_null(0),
                         clients=out.clients.fill_null(0),
                         utilisation=out.limited_clients.fill_null(0).cast("float64") / capacity.nullif(0))
        return out.filter((out.capacity > 0) | (out.unlimited_providers > 0) | (out.clients > 0))
