"""Actors: who delivers — the shares of the in-house unit, private and non-profit providers in
citizens and delivered hours — and providers entering and leaving the market over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register
from frivalg.followup.indicators.economy import delivered_minutes
from frivalg.followup.indicators.supply import served_approvals

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: The provider kinds as the catalogue names them (indicators import no models).
PROVIDER_KINDS = {"in_house": _("In-house"), "private": _("Private"), "non_profit": _("Non-profit")}


@register
class ProviderKindShares(Indicator):
    code = "provider_kind_shares"
    aspect = "actors"
    title = _("In-house, private and non-profit shares")
    description = _("How the citizens receiving help and the delivered hours divide between the in-house unit, "
                    "private and non-profit providers.")
    method = _(
        "Counts done visits with verified performed time in the period. Citizens are the distinct citizens who "
        "received such a visit from a provider of the kind; a citizen helped by providers of two kinds counts in "
        "both, and the citizen share is of the sum over the kinds, so the shares add up to 100 %. Hours are the "
        "performed hours of those visits. Planned, missed and cancelled visits are left out.")
    dimensions = ("municipality", "district", "service", "month")
    columns = (
        Column("kind", _("Provider kind"), "text", labels=PROVIDER_KINDS),
        Column("citizens", _("Citizens"), "count", suppress_below=True),
        Column("citizen_share", _("Share of citizens"), "share"),
        Column("hours", _("Delivered hours"), "hours"),
        Column("hours_share", _("Share of delivered hours"), "share"),
    )
    public = True
    chart = Chart("bar", "kind", "hours_share", "month")

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        v = delivered_minutes(self, engine)
        # The kind is joined onto the visits (a hash join on a handful of providers) so the first
        # aggregate is per kind and citizen, not per provider and citizen: measured faster.
        kinds = engine.providers.select(kind_of="provider_id", kind="kind")
        v = v.left_join(kinds, v.provider_id == kinds.kind_of)
        per_client = v.aggregate(by=[*groups, "kind", "citizen_id"], minutes=v.performed_minutes.sum())
        per_kind = per_client.aggregate(by=[*groups, "kind"], citizens=per_client.count(),
                                        minutes=per_client.minutes.sum())
        group = ibis.window(group_by=groups) if groups else ibis.window()
        all_citizens = per_kind.citizens.sum().over(group)
        all_minutes = per_kind.minutes.sum().over(group)
        return per_kind.mutate(
            citizen_share=per_kind.citizens.cast("float64") / all_citizens.nullif(0),
            hours=(per_kind.minutes.cast("float64") / 60).round(2),
            hours_share=per_kind.minutes.cast("float64") / all_minutes.nullif(0),
        )


@register
class ProviderEntriesExits(Indicator):
    code = "provider_entries_exits"
    aspect = "actors"
    title = _("Providers entering and leaving")
    description = _("Providers whose first approval starts in the period (entries) and whose last approval ends in "
                    "it (exits).")
    method = _(
        "Looks at every approval that was approved, suspended or terminated, whenever it was in force. A provider "
        "enters in the month its first approval in the municipality starts and exits in the month its last "
        "approval ends, provided no approval of it is still open. Broken down by service, entries and exits are "
        "for that service; filtered to a district, for the approvals serving it. Applications and rejected "
        "approvals are left out; a suspension is not an exit.")
    dimensions = ("municipality", "service", "month")
    columns = (
        Column("entries", _("Providers entering"), "count"),
        Column("exits", _("Providers leaving"), "count"),
        Column("net", _("Net change"), "number"),
    )
    chart = Chart("bar", "month", "net", "service_id")

    def expression(self, engine: Engine) -> ir.Table:
        a = served_approvals(self, engine)
        a = a.filter(a.from_day.notnull())
        market = ["municipality_id", "provider_id", *(["service_id"] if "service" in self.by else [])]
        spans = a.aggregate(by=market, first_day=a.from_day.min(), last_day=a.to_day.max(),
                            still_open=a.to_day.isnull().any())
        keys = [k for k in market if k != "provider_id"]
        one, none = ibis.literal(1, "int64"), ibis.literal(0, "int64")
        entered = spans.filter((spans.first_day >= self.start) & (spans.first_day < self.end))
        left = spans.filter(~spans.still_open & (spans.last_day >= self.start) & (spans.last_day < self.end))
        events = entered.select(*keys, month=entered.first_day.truncate("M"), entries=one, exits=none).union(
            left.select(*keys, month=left.last_day.truncate("M"), entries=none, exits=one))
        out = events.aggregate(by=self.group_columns, entries=events.entries.sum(), exits=events.exits.sum())
        entries, exits = out.entries.fill_null(0), out.exits.fill_null(0)
        return out.mutate(entries=entries, exits=exits, net=entries - exits)
