"""Economy: what the market costs — the settled cost against the budget with the forecast to the
year's end, cost per citizen and per delivered hour, granted against delivered hours per provider,
and the in-house unit's after-calculation results.

Money is integer minor units (øre/öre). Where a division leaves a fraction of a minor unit, halves
are rounded up (followup.rules.divide_half_up, which the tests hold these expressions to)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: Decision statuses that grant time: drafts grant nothing, ended versions did until their end.
GRANTING_STATUSES = ("granted", "ended", "appealed")

#: Far beyond any real date (in days since 1970-01-01): the end of an open validity.
OPEN_END = 1_000_000


# -- shared pieces (the competition indicators use them too) --------------------------------------


def delivered_minutes(indicator: Indicator, engine: Engine) -> ir.Table:
    """Done visits with performed time in the indicator's scope and period, summed per month,
    district, service, provider and citizen (Indicator.monthly_visits): sum `performed_minutes`."""
    m = indicator.monthly_visits(engine)
    return m.filter(m.performed_visits > 0)


def settled_costs(indicator: Indicator, engine: Engine, *, period: bool = True) -> ir.Table:
    """Cost rows of approved or exported settlement runs (drafts can still change) in the
    indicator's scope and, with `period`, cost months whose first day is in the period. The
    citizen's present district is joined on when the indicator is broken down or filtered by
    district (the cost rows carry none)."""
    c = engine.costs
    c = indicator.scoped(c.filter(c.final), "month" if period else None)
    if indicator.district_id is None and "district" not in indicator.by:
        return c
    citizens = engine.citizens.select("citizen_id", "district_id")
    c = c.left_join(citizens, "citizen_id").select(*c.columns, "district_id")
    if indicator.district_id is not None:
        c = c.filter(c.district_id == indicator.district_id)
    return c


def divide_half_up(numerator: ir.IntegerValue, denominator: ir.IntegerValue) -> ir.IntegerValue:
    """numerator / denominator as a whole number, halves rounded up; null unless the
    denominator is positive."""
    quotient = ((numerator * 2 + denominator) // (denominator * 2)).cast("int64")
    return ibis.cases((denominator > 0, quotient)).cast("int64")


def share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """part / whole as a fraction rounded to four decimals; null unless the whole is positive."""
    return ibis.cases((whole > 0, (part.cast("float64") / whole).round(4))).cast("float64")


def hours(minutes: ir.NumericValue) -> ir.FloatingValue:
    return (minutes.cast("float64") / 60).round(2)


def aggregate(table: ir.Table, groups: list[str], **metrics: ir.Value) -> ir.Table:
    return table.group_by(groups).aggregate(**metrics) if groups else table.aggregate(**metrics)


def combine(left: ir.Table, right: ir.Table, keys: list[str]) -> ir.Table:
    """Two aggregates side by side: a full outer join on `keys` (a cross join of two one-row
    tables without keys)."""
    if not keys:
        return left.cross_join(right)
    joined = left.outer_join(right, keys)
    return joined.mutate(**{key: ibis.coalesce(joined[key], joined[f"{key}_right"]) for key in keys}).drop(
        *(f"{key}_right" for key in keys))


def month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s month to `last`'s, inclusive."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def month_table(months: list[date]) -> ir.Table:
    return ibis.memtable(pa.table({"month": pa.array(months, pa.date32())}))


# -- cost against budget ------------------------------------------------------------------------


@register
class CostAgainstBudget(Indicator):
    code = "cost_budget"
    aspect = "economy"
    title = _("Cost against budget")
    description = _("The settled cost of each month against the budget, with the forecast to the end of the year.")
    method = _(
        "Cost is the settled cost (approved or exported settlement runs, corrections included) of each month; "
        "the budget is the municipality's budget for the month, left empty when the figures are filtered to a "
        "district, service or provider, since the budget is not split that way. Difference is cost minus budget "
        "(positive: over budget). Cumulative figures run from 1 January of each month's year. The forecast runs "
        "to the end of the calendar year in which the period ends: months up to the last month with settled cost "
        "before the period's end keep their actual cost; later months are projected at the average cost of that "
        "year's months with settled cost (halves rounded up), and are marked as projected; with no settled cost "
        "in the year yet there is no forecast. The rows run from the period's first month to December; cost is "
        "left empty for months after the period. Without a breakdown by month, one row sums the period: cost and "
        "budget of the period, cumulative cost and budget for the year up to the period's end, the forecast of "
        "the period's months through December and, as the cumulative forecast, of the whole year.")
    dimensions = ("municipality", "month")
    columns = (
        Column("cost_minor", _("Cost"), "money"),
        Column("budget_minor", _("Budget"), "money"),
        Column("difference_minor", _("Cost minus budget"), "money"),
        Column("cumulative_cost_minor", _("Cost so far this year"), "money"),
        Column("cumulative_budget_minor", _("Budget so far this year"), "money"),
        Column("forecast_minor", _("Cost with forecast"), "money"),
        Column("cumulative_forecast_minor", _("Cost with forecast so far this year"), "money"),
        Column("projected", _("Projected"), "text"),
    )
    chart = Chart("bar", "month", "forecast_minor", "projected")

    def expression(self, engine: Engine) -> ir.Table:
        keys = [c for c in self.group_columns if c != "month"]
        rows = self.monthly(engine, keys)
        shown = rows.month >= self.start.replace(day=1)
        if "month" in self.by:
            rows = rows.filter(shown)
            return rows.mutate(difference_minor=rows.cost_minor - rows.budget_minor)
        summed = aggregate(
            rows, keys,
            cost_minor=rows.cost_minor.sum(where=shown & rows.in_period),
            budget_minor=rows.budget_minor.sum(where=shown & rows.in_period),
            cumulative_cost_minor=rows.cost_minor.sum(where=rows.in_year & rows.in_period),
            cumulative_budget_minor=rows.budget_minor.sum(where=rows.in_year & rows.in_period),
            forecast_minor=rows.forecast_minor.sum(where=shown),
            cumulative_forecast_minor=rows.forecast_minor.sum(where=rows.in_year),
            unforecast=rows.forecast_minor.isnull().any(),
            projected=rows.projected.any(where=shown),
        )
        return summed.mutate(
            difference_minor=summed.cost_minor - summed.budget_minor,
            forecast_minor=ibis.cases((~summed.unforecast, summed.forecast_minor)).cast("int64"),
            cumulative_forecast_minor=ibis.cases((~summed.unforecast, summed.cumulative_forecast_minor)).cast("int64"),
        )

    def monthly(self, engine: Engine, keys: list[str]) -> ir.Table:
        """One row per `keys` and month from January of the period's first year to December of
        the forecast year, with cost, budget, forecast and their running totals."""
        year = (self.end - timedelta(days=1)).year
        year_start, spine_start = date(year, 1, 1), date(self.start.year, 1, 1)

        spine = month_table(month_starts(spine_start, date(year, 12, 1)))
        if keys:
            spine = spine.cross_join(self.scoped(engine.municipalities).select("municipality_id"))
        c = settled_costs(self, engine, period=False)
        c = c.filter((c.month >= spine_start) & (c.month < self.end))
        cost = c.group_by([*keys, "month"]).aggregate(cost=c.amount_minor.sum())
        b = self.scoped(engine.budgets)
        b = b.filter((b.month >= spine_start) & (b.month <= date(year, 12, 1)))
        budget = b.group_by([*keys, "month"]).aggregate(budget=b.amount_minor.sum())
        rows = spine.left_join(cost, [*keys, "month"]).select(*spine.columns, "cost")
        rows = rows.left_join(budget, [*keys, "month"]).select(*rows.columns, "budget")

        in_period = rows.month < self.end
        in_year = rows.month >= year_start
        has_cost = rows.cost.notnull() & in_year
        whole = ibis.window(group_by=keys) if keys else ibis.window()
        last = ibis.cases((has_cost, rows.month)).max().over(whole)
        average = divide_half_up(rows.cost.sum(where=in_year).over(whole), rows.cost.count(where=in_year).over(whole))
        filtered = any(v is not None for v in (self.district_id, self.service_id, self.provider_id))
        rows = rows.mutate(
            year=rows.month.year(),
            in_period=in_period,
            in_year=in_year,
            cost_minor=ibis.cases((in_period, rows.cost.coalesce(0))).cast("int64"),
            budget_minor=ibis.null("int64") if filtered else rows.budget.coalesce(0).cast("int64"),
            projected=in_year & (last.isnull() | (rows.month > last)),
            average=average,
        )
        rows = rows.mutate(forecast_minor=ibis.cases((~rows.projected, rows.cost.coalesce(0)),
                                                     else_=rows.average).cast("int64"))
        running = ibis.cumulative_window(group_by=[*keys, "year"], order_by="month")
        rows = rows.mutate(
            cumulative_cost_minor=ibis.cases((rows.in_period, rows.cost_minor.sum().over(running))).cast("int64"),
            cumulative_budget_minor=rows.budget_minor.sum().over(running),
            cumulative_forecast_minor=ibis.cases(
                (rows.forecast_minor.notnull(), rows.forecast_minor.sum().over(running))).cast("int64"),
        )
        return rows


# -- cost per citizen and per delivered hour ----------------------------------------------------


@register
class CostPerUnit(Indicator):
    code = "cost_per_unit"
    aspect = "economy"
    title = _("Cost per citizen and per delivered hour")
    description = _("What the services cost per citizen served and per hour delivered.")
    method = _(
        "Cost is the settled cost (approved or exported settlement runs, corrections included) of the cost "
        "months in the period. Citizens are the different citizens with a non-zero cost line. Delivered hours "
        "are the performed time of done, checked-in-and-out visits in the period. Cost per citizen is cost "
        "divided by citizens; cost per hour is cost divided by delivered hours; both in whole minor units with "
        "halves rounded up, and empty when there is nothing to divide by. By district, cost follows the "
        "citizen's present district and hours the district at the visit.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("cost_minor", _("Cost"), "money"),
        Column("citizens", _("Citizens with cost"), "count", suppress_below=True),
        Column("hours", _("Delivered hours"), "hours"),
        Column("cost_per_citizen_minor", _("Cost per citizen"), "money"),
        Column("cost_per_hour_minor", _("Cost per delivered hour"), "money"),
    )
    public = True
    chart = Chart("line", "month", "cost_per_hour_minor", "provider_id")
    best = ("cost_per_hour_minor", False)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        c = settled_costs(self, engine)
        cost = aggregate(c, groups, cost=c.amount_minor.sum(), lines=c.count(),
                         people=c.citizen_id.nunique(where=c.amount_minor != 0))
        v = delivered_minutes(self, engine)
        delivered = aggregate(v, groups, minutes=v.performed_minutes.sum())
        rows = combine(cost, delivered, groups)
        rows = rows.filter((rows.lines > 0) | rows.minutes.notnull())
        rows = rows.mutate(cost_minor=rows.cost.coalesce(0).cast("int64"),
                           citizens=rows.people.coalesce(0).cast("int64"),
                           minutes=rows.minutes.coalesce(0).cast("int64"))
        return rows.mutate(
            hours=hours(rows.minutes),
            cost_per_citizen_minor=divide_half_up(rows.cost_minor, rows.citizens),
            cost_per_hour_minor=divide_half_up(rows.cost_minor * 60, rows.minutes),
        )


# -- granted against delivered hours ------------------------------------------------------------


@register
class GrantedDelivered(Indicator):
    code = "granted_delivered"
    aspect = "economy"
    title = _("Granted and delivered hours")
    description = _("The hours the decisions grant against the hours delivered, per provider.")
    method = _(
        "Granted: for each month, the granted monthly time of each decision in force (granted, ended or appealed "
        "versions; drafts and grants not in time units are left out), prorated by the days of the month both "
        "the decision and a choice of provider are in force, within the period, over the days of the month — "
        "so a decision in force for 15 of 30 days counts half its monthly time. The time goes to the provider of "
        "the choice in force; days without a chosen provider are left out. Delivered: the performed time of "
        "done, checked-in-and-out visits in the period. The delivered share is delivered over granted hours "
        "and may exceed 1. By district, granted time follows the citizen's present district and delivered time "
        "the district at the visit.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("granted_hours", _("Granted hours"), "hours"),
        Column("delivered_hours", _("Delivered hours"), "hours"),
        Column("delivered_share", _("Delivered share of granted"), "share"),
    )
    chart = Chart("bar", "month", "delivered_share", "provider_id")

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        d = self.scoped(engine.decisions, "from_day", until="to_day")
        d = d.filter(d.status.isin(GRANTING_STATUSES) & d.granted_month_minutes.notnull())
        d = d.select("municipality_id", "decision_id", "citizen_id", "service_id", "granted_month_minutes",
                     first=d.from_day.epoch_days(), after=d.to_day.epoch_days().coalesce(OPEN_END - 1) + 1)
        ch = self.scoped(engine.choices, "from_day", until="to_day")
        ch = ch.select("decision_id", "provider_id", choice_first=ch.from_day.epoch_days(),
                       choice_after=ch.to_day.epoch_days().coalesce(OPEN_END - 1) + 1)
        pairs = d.join(ch, "decision_id")
        pairs = pairs.mutate(first=ibis.greatest(pairs.first, pairs.choice_first),
                             after=ibis.least(pairs.after, pairs.choice_after))
        if self.district_id is not None or "district" in self.by:
            citizens = engine.citizens.select("citizen_id", "district_id")
            pairs = pairs.left_join(citizens, "citizen_id").select(*pairs.columns, "district_id")
            if self.district_id is not None:
                pairs = pairs.filter(pairs.district_id == self.district_id)
        months = self.months()
        granted = pairs.join(months, (months.month_first < pairs.after) & (months.month_after > pairs.first))
        overlap = (ibis.least(granted.after, granted.month_after) - ibis.greatest(granted.first, granted.month_first))
        granted = granted.mutate(minutes=granted.granted_month_minutes.cast("float64") * overlap / granted.days)
        granted = aggregate(granted, groups, granted=granted.minutes.sum())
        v = delivered_minutes(self, engine)
        delivered = aggregate(v, groups, delivered=v.performed_minutes.sum())
        rows = combine(granted, delivered, groups)
        rows = rows.filter(rows.granted.notnull() | rows.delivered.notnull())
        rows = rows.mutate(granted=rows.granted.coalesce(0.0), delivered=rows.delivered.coalesce(0))
        return rows.mutate(granted_hours=hours(rows.granted), delivered_hours=hours(rows.delivered),
                           delivered_share=share(rows.delivered, rows.granted))

    def months(self) -> ir.Table:
        """The period's months: first day, the part inside the period as [month_first, month_after)
        in days since 1970-01-01, and the month's length in days."""
        epoch = date(1970, 1, 1)
        starts = month_starts(self.start, self.end - timedelta(days=1))
        follows = [(month + timedelta(days=32)).replace(day=1) for month in starts]
        return ibis.memtable(pa.table({
            "month": pa.array(starts, pa.date32()),
            "month_first": pa.array([(max(m, self.start) - epoch).days for m in starts], pa.int64()),
            "month_after": pa.array([(min(f, self.end) - epoch).days for f in follows], pa.int64()),
            "days": pa.array([(f - m).days for m, f in zip(starts, follows, strict=True)], pa.int64()),
        }))


# -- the in-house unit's after-calculations -----------------------------------------------------


@register
class AfterCalculationResults(Indicator):
    code = "after_calculation"
    aspect = "economy"
    title = _("After-calculation results")
    description = _("The set price against the actual price per service and time band, and what the difference "
                    "comes to.")
    method = _(
        "The after-calculation lines made in the period (by the day the after-calculation was made), per service "
        "and time band: delivered hours; the set and the actual price per hour, averaged over the lines weighted "
        "by their hours (halves rounded up); the price difference per hour (actual minus set); and the result, "
        "the sum of the lines' differences ((actual − set price) × hours). Positive: the actual cost was above "
        "the set price.")
    dimensions = ("municipality", "provider", "month")
    columns = (
        Column("service_code", _("Service"), "text"),
        Column("time_band", _("Time band"), "text"),
        Column("hours", _("Delivered hours"), "hours"),
        Column("set_price_minor", _("Set price per hour"), "money"),
        Column("actual_price_minor", _("Actual price per hour"), "money"),
        Column("price_difference_minor", _("Difference per hour"), "money"),
        Column("result_minor", _("Result"), "money"),
    )
    chart = Chart("bar", "service_code", "result_minor", "time_band")

    def expression(self, engine: Engine) -> ir.Table:
        a = self.scoped(engine.after_calculations, "day")
        a = a.mutate(month=a.day.truncate("M"))
        lines = a.group_by([*self.group_columns, "service_code", "time_band"]).aggregate(
            minutes=a.minutes.sum(),
            set_total=(a.set_price_minor * a.minutes).sum(),
            actual_total=(a.actual_price_minor * a.minutes).sum(),
            result_minor=a.difference_minor.sum(),
        )
        lines = lines.mutate(hours=hours(lines.minutes),
                             set_price_minor=divide_half_up(lines.set_total, lines.minutes),
                             actual_price_minor=divide_half_up(lines.actual_total, lines.minutes))
        return lines.mutate(price_difference_minor=lines.actual_price_minor - lines.set_price_minor)
