"""Competition: how concentrated the market is (HHI; its trend is the index by month), the
competition exposure indicator in the style of the Danish IKU with its task list, and the gains
map (cost per hour before and after a task was exposed, and the potential of tasks not yet
exposed), and tender participation (bids per tender lot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register
from frivalg.followup.indicators.economy import (
    aggregate,
    delivered_minutes,
    divide_half_up,
    hours,
    settled_costs,
    share,
)

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: The customary thresholds on the 0–10 000 scale (US DOJ/FTC Horizontal Merger Guidelines 2010,
#: §5.3; the Nordic competition authorities read the index the same way).
HHI_MODERATE_FROM = 1500
HHI_HIGH_FROM = 2500


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


#: Provider kinds that count as bought from outside the municipality.
OUTSIDE_KINDS = ("private", "non_profit")


def task_costs(indicator: Indicator, engine: Engine, costs: ir.Table) -> ir.Table:
    """`costs` summed per municipality, month, provider and service, joined to the tasks of the
    indicator's scoped task list their services make up and to the provider's kind (the small
    tables are joined onto the sums, not onto the cost rows)."""
    per_service = costs.group_by(["municipality_id", "month", "provider_id", "service_id"]).aggregate(
        amount=costs.amount_minor.sum(), minutes=costs.performed_minutes.sum())
    tasks = indicator.scoped(engine.tasks).select("municipality_id", "task_id", "exposable", "exposed_on",
                                                  "in_house_won_on")
    services = engine.task_services.join(tasks, "task_id")
    kinds = engine.providers.select("provider_id", "kind")
    return per_service.join(services, ["municipality_id", "service_id"]).join(kinds, "provider_id")


@register
class CompetitionExposure(Indicator):
    code = "iku"
    aspect = "competition"
    title = _("Competition exposure (IKU)")
    description = _("How much of what could be exposed to competition is bought from private and non-profit "
                    "providers or won by the in-house unit in competition.")
    method = _(
        "In the style of the Danish competition exposure indicator (IKU, Indikator for Konkurrenceudsættelse): "
        "the value of tasks bought from private and non-profit providers plus the value of tasks the in-house "
        "unit won in competition, as a share of the value of all tasks that could be exposed. Value is the "
        "settled cost (approved or exported settlement runs) of the cost months in the period of the services "
        "making up each task on the municipality's task list. Only tasks marked as exposable count. Won in "
        "competition: the in-house unit's cost of a task from the month in which it won the task. A service "
        "should belong to one task; one in several tasks counts in each.")
    dimensions = ("municipality", "month")
    columns = (
        Column("exposed_minor", _("Bought from private and non-profit providers"), "money"),
        Column("won_minor", _("Won in competition by the in-house unit"), "money"),
        Column("exposable_minor", _("Value of exposable tasks"), "money"),
        Column("iku", _("Competition exposure"), "share"),
    )
    public = True
    chart = Chart("line", "month", "iku")
    best = ("iku", True)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        t = task_costs(self, engine, settled_costs(self, engine))
        t = t.filter(t.exposable)
        won = (t.kind == "in_house") & t.in_house_won_on.notnull() & (t.in_house_won_on.truncate("M") <= t.month)
        rows = aggregate(t, groups, lines=t.count(),
                         exposed_minor=t.amount.sum(where=t.kind.isin(OUTSIDE_KINDS)).coalesce(0),
                         won_minor=t.amount.sum(where=won).coalesce(0),
                         exposable_minor=t.amount.sum())
        rows = rows.filter(rows.lines > 0)
        return rows.mutate(iku=share(rows.exposed_minor + rows.won_minor, rows.exposable_minor))


@register
class CompetitionTasks(Indicator):
    code = "competition_tasks"
    aspect = "competition"
    title = _("Tasks and their exposure to competition")
    description = _("The municipality's task list: whether each task could be exposed, when it was, and what it "
                    "cost in the period.")
    method = _(
        "Every task on the municipality's task list with its exposability, the day it was first exposed to "
        "competition (free choice or tender) and the day the in-house unit won it, if it did. Value is the "
        "settled cost (approved or exported settlement runs) of the cost months in the period of the task's "
        "services; the private share is the part of it bought from private and non-profit providers.")
    dimensions = ("municipality",)
    columns = (
        Column("task_code", _("Task"), "text"),
        Column("task_name", _("Name"), "text"),
        Column("exposable", _("Exposable"), "text"),
        Column("exposed_on", _("Exposed on"), "date"),
        Column("in_house_won_on", _("Won in house on"), "date"),
        Column("value_minor", _("Value"), "money"),
        Column("private_share", _("Private and non-profit share"), "share"),
    )
    chart = Chart("bar", "task_code", "value_minor")

    def expression(self, engine: Engine) -> ir.Table:
        t = task_costs(self, engine, settled_costs(self, engine))
        values = t.group_by("task_id").aggregate(value=t.amount.sum(),
                                                 private=t.amount.sum(where=t.kind.isin(OUTSIDE_KINDS)))
        tasks = self.scoped(engine.tasks)
        rows = tasks.left_join(values, "task_id").select(*tasks.columns, "value", "private")
        rows = rows.mutate(task_code=rows.code, task_name=rows.name, value_minor=rows.value.coalesce(0))
        return rows.mutate(private_share=share(rows.private.coalesce(0), rows.value_minor))


@register
class GainsMap(Indicator):
    code = "gains_map"
    aspect = "competition"
    title = _("Gains map")
    description = _("Per task, the cost per delivered hour before and after it was exposed to competition, and "
                    "what the tasks not yet exposed amount to.")
    method = _(
        "Tasks on the task list that are exposable or have been exposed. The unit is the delivered hour on the "
        "settlement lines; cost is the settled cost (approved or exported settlement runs) of the task's "
        "services. Before: the twelve months before the month of exposure, whatever the period. After: the "
        "months of the period from the month of exposure on. Cost per hour in whole minor units, halves rounded "
        "up; the change is after over before minus 1 (negative: cheaper); the gain is what the hours after "
        "would have cost at the price before, minus what they cost. Potential: for exposable tasks not yet "
        "exposed, the delivered hours and the cost in the period.")
    dimensions = ("municipality",)
    columns = (
        Column("task_code", _("Task"), "text"),
        Column("task_name", _("Name"), "text"),
        Column("exposed_on", _("Exposed on"), "date"),
        Column("before_cost_per_hour_minor", _("Cost per hour before"), "money"),
        Column("after_cost_per_hour_minor", _("Cost per hour after"), "money"),
        Column("change_share", _("Change in cost per hour"), "share"),
        Column("gain_minor", _("Gain in the period"), "money"),
        Column("potential_hours", _("Hours not yet exposed"), "hours"),
        Column("potential_minor", _("Cost not yet exposed"), "money"),
    )
    chart = Chart("bar", "task_code", "change_share")
    best = ("change_share", False)

    def expression(self, engine: Engine) -> ir.Table:
        costs = settled_costs(self, engine, period=False)
        costs = costs.filter(costs.month < self.end)
        t = task_costs(self, engine, costs)
        t = t.filter(t.exposable | t.exposed_on.notnull())
        exposed = t.exposed_on.truncate("M")
        before = (t.month >= exposed - ibis.interval(months=12)) & (t.month < exposed)
        in_period = t.month >= self.start
        after = in_period & (t.month >= exposed)
        per_task = t.group_by("task_id").aggregate(
            before_cost=t.amount.sum(where=before), before_minutes=t.minutes.sum(where=before),
            after_cost=t.amount.sum(where=after), after_minutes=t.minutes.sum(where=after),
            period_cost=t.amount.sum(where=in_period), period_minutes=t.minutes.sum(where=in_period))
        tasks = self.scoped(engine.tasks)
        tasks = tasks.filter(tasks.exposable | tasks.exposed_on.notnull())
        figures = [c for c in per_task.columns if c != "task_id"]
        rows = tasks.left_join(per_task, "task_id").select(*tasks.columns, *figures)
        waiting = rows.exposed_on.isnull()
        before_hour = rows.before_cost.cast("float64") / rows.before_minutes
        after_hour = rows.after_cost.cast("float64") / rows.after_minutes
        return rows.mutate(
            task_code=rows.code, task_name=rows.name,
            before_cost_per_hour_minor=divide_half_up(rows.before_cost * 60, rows.before_minutes),
            after_cost_per_hour_minor=divide_half_up(rows.after_cost * 60, rows.after_minutes),
            change_share=ibis.cases(((rows.before_minutes > 0) & (rows.after_minutes > 0) & (rows.before_cost > 0),
                                     (after_hour / before_hour - 1).round(4))).cast("float64"),
            gain_minor=(divide_half_up(rows.before_cost * rows.after_minutes, rows.before_minutes)
                        - rows.after_cost),
            potential_hours=ibis.cases((waiting, hours(rows.period_minutes.coalesce(0)))).cast("float64"),
            potential_minor=ibis.cases((waiting, rows.period_cost.coalesce(0))).cast("int64"),
        )


@register
class TenderParticipation(Indicator):
    code = "tender_participation"
    aspect = "competition"
    title = _("Tender participation")
    description = _("How many bids the municipality's tenders draw per lot, how often a lot gets a single bid, "
                    "and how the in-house unit takes part and wins.")
    method = _(
        "The lots of the municipality's tenders whose bid deadline falls in the period, counted once the bids "
        "have been opened (tenders opened, awarded or contracted); lots of tenders still sealed, planned or "
        "cancelled are left out. Bids are the bids that took part in the evaluation: submitted bids, including "
        "those later rejected for falling below a quality threshold; drafts and withdrawn bids are left out. "
        "Bids per lot is the bids divided by the lots, a lot without bids counting as zero. Single-bid lots are "
        "the lots with exactly one bid, as a share of the lots. Control bid: lots with the in-house unit's "
        "control bid among the bids. Won in house: lots whose award went to the in-house unit (with several "
        "winners, the first winning bid counts). The month is the month of the bid deadline.")
    dimensions = ("municipality", "service", "month")
    columns = (
        Column("lots", _("Lots"), "count"),
        Column("bids", _("Bids"), "count"),
        Column("bids_per_lot", _("Bids per lot"), "number"),
        Column("single_bid_share", _("Lots with a single bid"), "share"),
        Column("control_bid_lots", _("Lots with the in-house control bid"), "count"),
        Column("in_house_won_lots", _("Lots won by the in-house unit"), "count"),
    )
    public = True
    chart = Chart("bar", "month", "bids_per_lot")
    best = ("bids_per_lot", True)

    def expression(self, engine: Engine) -> ir.Table:
        lots = self.scoped(engine.tender_lots, "deadline_day")
        lots = lots.filter(lots.bids.notnull())
        lots = lots.mutate(month=lots.deadline_day.truncate("M"))
        rows = aggregate(
            lots, self.group_columns,
            lots=lots.count(),
            bids=lots.bids.cast("int64").sum().coalesce(0),
            single=lots.count(where=lots.bids == 1),
            control_bid_lots=lots.count(where=lots.control_bid),
            in_house_won_lots=lots.count(where=lots.winner_kind == "in_house"),
        )
        rows = rows.filter(rows.lots > 0)
        return rows.mutate(bids_per_lot=(rows.bids.cast("float64") / rows.lots).round(2),
                           single_bid_share=share(rows.single, rows.lots))
