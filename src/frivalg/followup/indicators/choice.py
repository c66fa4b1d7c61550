"""Freedom of choice: how many citizens choose actively rather than by the default rule, how
often and on whose initiative they switch provider, and how long they wait from the decision to
the first visit."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.followup.indicators.base import Chart, Column, Indicator, register
from frivalg.followup.indicators.supply import citizens_choices, left_join_groups

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: Visits that never took place and so do not start the help.
CANCELLED = ("cancelled_citizen", "cancelled_provider")

#: Who started a switch, as choices.Initiator names them (indicators import no models).
INITIATORS = {"citizen": _("The citizen"), "relative": _("A relative with power of attorney"),
              "assessor": _("The municipality's assessor"), "provider": _("The provider"),
              "system": _("The default rule (no choice made)")}


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every month with a day in [start, end)."""
    months, month = [], start.replace(day=1)
    while month < end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def in_force_by_month(indicator: Indicator, table: ir.Table, day: str, until: str) -> ir.Table:
    """`table`'s rows in force on some day of the period, once per month of the period they are in
    force in, with that `month` (rows in force from `day` to `until`, inclusive; null: open)."""
    starts = month_starts(indicator.start, indicator.end)
    months = ibis.memtable(
        {"month": starts, "month_to": [*starts[1:], indicator.end]},
        schema={"month": "date", "month_to": "date"},
    )
    period_from = ibis.greatest(months.month, ibis.literal(indicator.start, type="date"))
    period_to = ibis.least(months.month_to, ibis.literal(indicator.end, type="date"))
    held = indicator.scoped(table, day, until=until)
    return held.cross_join(months).filter(
        lambda t: (t[day] < period_to) & (t[until].isnull() | (t[until] >= period_from))).drop("month_to")


@register
class ActiveChoice(Indicator):
    code = "active_choice"
    aspect = "choice"
    title = _("Active choice")
    description = _("How many citizens chose their provider themselves rather than being assigned one by the "
                    "default rule.")
    method = _(
        "Counts the first choice of each decision taking effect in the period (switches are left out): active "
        "when the citizen or someone on their behalf chose, default when the default rule assigned the provider. "
        "The active share is active choices divided by all first choices. The district is where the citizen "
        "lives now; the provider is the one chosen or assigned.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("choices", _("Choices"), "count", suppress_below=True),
        Column("active", _("Active choices"), "count"),
        Column("default", _("Default assignments"), "count"),
        Column("active_share", _("Share choosing actively"), "share"),
    )
    public = True
    chart = Chart("line", "month", "active_share", "service_id")
    best = ("active_share", True)

    def expression(self, engine: Engine) -> ir.Table:
        c = self.scoped(citizens_choices(engine), "from_day")
        c = c.filter(~c.is_switch.fill_null(False)).mutate(month=c.from_day.truncate("M"))
        out = c.aggregate(
            by=self.group_columns,
            choices=c.count(),
            active=(c.how == "active").cast("int64").sum(),
            default=(c.how == "default").cast("int64").sum(),
        )
        out = out.filter(out.choices > 0)
        return out.mutate(active_share=out.active.cast("float64") / out.choices)


@register
class Switching(Indicator):
    code = "switching"
    aspect = "choice"
    title = _("Switching provider")
    description = _("How many clients switched provider in the period, on whose initiative, and the switching "
                    "rate.")
    method = _(
        "Counts the choices taking effect in the period that replaced an earlier choice of the same decision "
        "(switches), by who initiated them. The provider is the one switched away from: the previous choice of "
        "the same decision. Clients are the distinct citizens with a choice in force on some day of the period "
        "(of the month, by month), per provider they had chosen; the switching rate is switches divided by "
        "clients, so the rates of the initiators add up to the group's rate. The district is where the citizen "
        "lives now.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("initiated_by", _("Initiated by"), "text", labels=INITIATORS),
        Column("switches", _("Switches"), "count", suppress_below=True),
        Column("clients", _("Clients with a choice"), "count", suppress_below=True),
        Column("switching_rate", _("Switching rate"), "share"),
    )
    chart = Chart("bar", "initiated_by", "switching_rate", "service_id")
    best = ("switching_rate", False)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        c = citizens_choices(engine)
        if self.municipality_id is not None:
            c = c.filter(c.municipality_id == self.municipality_id)
        decision = ibis.window(group_by=c.decision_id, order_by=[c.from_day, c.choice_id])
        switched = c.mutate(provider_id=c.provider_id.lag().over(decision))
        switched = self.scoped(switched, "from_day")
        switched = switched.filter(switched.is_switch.fill_null(False)).mutate(
            month=switched.from_day.truncate("M"))
        switches = switched.aggregate(by=[*groups, "initiated_by"], switches=switched.count())

        held = (in_force_by_month(self, c, "from_day", "to_day") if "month" in self.by
                else self.scoped(c, "from_day", until="to_day"))
        clients = held.aggregate(by=groups, clients=held.citizen_id.nunique())

        out = left_join_groups(switches, clients, groups)
        return out.mutate(clients=out.clients.fill_null(0),
                          switching_rate=out.switches.cast("float64") / out.clients.nullif(0))


@register
class TimeToFirstVisit(Indicator):
    code = "time_to_first_visit"
    aspect = "choice"
    title = _("Time from decision to first visit")
    description = _("How many days citizens wait from a new decision to the first visit.")
    method = _(
        "Takes the first versions of the decisions (version 1, not drafts) decided in the period. The first visit "
        "is the earliest visit on or after the decision day, of any status except cancelled, of that decision "
        "or of a later version for the same citizen and service decided on or after it. Days are counted from "
        "the decision day to that visit's day. Decisions without a visit yet count in decisions but not in "
        "with visit or the day figures. Median and 90th percentile are interpolated between the two nearest "
        "values. The district is where the citizen lives now; the month is the decision's.")
    dimensions = ("municipality", "district", "service", "month")
    columns = (
        Column("decisions", _("New decisions"), "count", suppress_below=True),
        Column("with_visit", _("With a first visit"), "count"),
        Column("median_days", _("Median days"), "days"),
        Column("mean_days", _("Mean days"), "days"),
        Column("p90_days", _("90th percentile, days"), "days"),
    )
    chart = Chart("line", "month", "median_days", "service_id")
    best = ("median_days", False)

    def expression(self, engine: Engine) -> ir.Table:
        d = engine.decisions
        if self.municipality_id is not None:
            d = d.filter(d.municipality_id == self.municipality_id)
        d = d.filter((d.status != "draft") & d.decided_day.notnull())

        citizens = engine.citizens.select(lives_in="municipality_id", who="citizen_id", district_id="district_id")
        new = d.filter(d.version == 1)
        new = new.left_join(citizens, (new.municipality_id == citizens.lives_in) & (new.citizen_id == citizens.who))
        new = self.scoped(new.drop("lives_in", "who"), "decided_day").select(
            "municipality_id", "district_id", "service_id", "decision_id", "citizen_id", "decided_day",
            month=new.decided_day.truncate("M"))

        versions = d.select(version_id="decision_id", version_citizen="citizen_id", version_service="service_id",
                            version="version", version_day="decided_day")
        chain = new.inner_join(versions, [
            new.citizen_id == versions.version_citizen,
            new.service_id == versions.version_service,
            (versions.version_id == new.decision_id)
            | ((versions.version > 1) & (versions.version_day >= new.decided_day)),
        ]).select(*new.columns, "version_id")

        v = engine.visits
        if self.municipality_id is not None:
            v = v.filter(v.municipality_id == self.municipality_id)
        v = v.filter((v.day >= self.start) & ~v.status.isin(CANCELLED))
        v = v.semi_join(chain, v.decision_id == chain.version_id)
        first_visits = v.aggregate(by="decision_id", first_day=v.day.min()).rename(visited_id="decision_id")
        linked = chain.left_join(first_visits, [chain.version_id == first_visits.visited_id,
                                                first_visits.first_day >= chain.decided_day])
        waits = linked.aggregate(by=["municipality_id", "district_id", "service_id", "month", "decision_id"],
                                 days=linked.first_day.min().delta(linked.decided_day.min(), unit="day"))
        out = waits.aggregate(
            by=self.group_columns,
            decisions=waits.count(),
            with_visit=waits.days.count(),
            median_days=waits.days.median(),
            mean_days=waits.days.mean(),
            p90_days=waits.days.quantile(0.9),
        )
        out = out.filter(out.decisions > 0)
        return out.mutate(median_days=out.median_days.cast("float64").round(2),
                          mean_days=out.mean_days.round(2), p90_days=out.p90_days.cast("float64").round(2))
