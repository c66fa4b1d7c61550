"""Competition: how concentrated the market is (HHI), tender participation and the competition
exposure indicator (IKU style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: The customary thresholds on the 0–10 000 scale (US DOJ/FTC Horizontal Merger Guidelines 2010,
#: §5.3; the Nordic competition authorities read the index the same way).
HHI_MODERATE_FROM = 1500
HHI_HIGH_FROM = 2500


def delivered_minutes(indicator: Indicator, engine: Engine) -> ir.Table:
    """Done visits with performed time in the indicator's scope and period."""
    v = indicator.scoped(engine.visits, "day")
    return v.filter((v.status == "done") & v.performed_minutes.notnull())


def concentration_level(index: ir.FloatingValue) -> ir.StringValue:
    return ibis.cases((index < HHI_MODERATE_FROM, "unconcentrated"), (index <= HHI_HIGH_FROM, "moderate"),
                      else_="high")


@register
class Concentration(Indicator):
    code = "hhi"
    aspect = "competition"
    title = _("Market concentration (HHI)")
    description = _("How concentrated the delivered hours are on few providers, per service and district.")
    method = _(
        "Herfindahl–Hirschman index: the sum of the squared market shares in per cent of the delivered "
        "(verified performed) hours of each provider, 0–10,000. One provider gives 10,000; n equal providers "
        "10,000/n. Below 1,500 is unconcentrated, 1,500–2,500 moderately and above 2,500 highly concentrated.")
    dimensions = ("municipality", "district", "service", "month")
    columns = (
        Column("hhi", _("HHI"), "index"),
        Column("level", _("Concentration"), "text"),
        Column("providers", _("Providers delivering"), "count"),
        Column("hours", _("Delivered hours"), "hours"),
    )
    public = True
    chart = Chart("line", "month", "hhi", "service_id")
    best = ("hhi", False)

    def expression(self, engine: Engine) -> ir.Table:
        v = delivered_minutes(self, engine)
        groups = self.group_columns
        per_provider = v.group_by([*groups, "provider_id"]).aggregate(minutes=v.performed_minutes.sum())
        window = ibis.window(group_by=groups) if groups else ibis.window()
        shares = per_provider.mutate(
            share=per_provider.minutes.cast("float64") / per_provider.minutes.sum().over(window))
        out = shares.group_by(groups).aggregate(
            hhi=((shares.share * 100) ** 2).sum(),
            providers=shares.provider_id.count(),
            minutes=shares.minutes.sum(),
        ) if groups else shares.aggregate(
            hhi=((shares.share * 100) ** 2).sum(),
            providers=shares.provider_id.count(),
            minutes=shares.minutes.sum(),
        )
        out = out.filter(out.minutes > 0)
        return out.mutate(hhi=out.hhi.round(2), level=concentration_level(out.hhi),
                          hours=(out.minutes.cast("float64") / 60).round(2))
