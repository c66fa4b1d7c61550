"""Quality: what citizens say (satisfaction, complaints and their outcome), and what the visits
show (continuity of caregivers, punctuality)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from frivalg.choices.rules import CONTINUITY_DAYS, CONTINUITY_HOURS
from frivalg.followup.indicators.base import Chart, Column, Indicator, literal_date, register
from frivalg.followup.indicators.stats import (
    aggregate,
    clients,
    done_visits,
    in_district,
    left_join,
    outer_join,
    ratio,
    windows,
)

if TYPE_CHECKING:
    from frivalg.followup.engine import Engine

#: The survey's questions (snapshot_schema.RATINGS), each answered 1–5.
QUESTIONS = ("respect", "on_time", "same_people", "overall")


def client_counts(indicator: Indicator, engine: Engine, keys: list[str]) -> ir.Table:
    """Clients (distinct citizens with a done visit in the scope and period) per `keys`."""
    c = clients(indicator, engine, keys)
    counts = aggregate(c, keys, clients=c.count())
    return counts.filter(counts.clients > 0)


@register
class Satisfaction(Indicator):
    code = "satisfaction"
    aspect = "quality"
    title = _("Satisfaction")
    description = _("What clients answer in the portal's survey about their provider, 1 (poor) to 5 (very good).")
    method = _(
        "The survey a citizen answers in the portal once per provider and quarter: the answers of the quarters "
        "starting in the period, the mean of each question (respect, on time, the same people, overall; 1–5; "
        "unanswered questions left out). Respondents are the distinct citizens who answered. The response rate "
        "is the share of the provider's clients (distinct citizens with a done visit from the provider in the "
        "period) who answered; answers from citizens who were not clients in the period count as respondents "
        "but not in the rate. Published figures hide rows with fewer than 5 respondents.")
    dimensions = ("municipality", "provider")
    columns = (
        Column("respondents", _("Respondents"), "count", suppress_below=True),
        Column("respect", _("Respect"), "number"),
        Column("on_time", _("On time"), "number"),
        Column("same_people", _("The same people"), "number"),
        Column("overall", _("Overall"), "number"),
        Column("clients", _("Clients"), "count"),
        Column("response_rate", _("Response rate"), "share"),
    )
    public = True
    chart = Chart("bar", "provider_id", "overall")
    best = ("overall", True)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        r = in_district(self, engine, self.scoped(engine.ratings, "quarter_start"))
        answers = aggregate(
            r, groups,
            respondents=r.citizen_id.nunique(), **{q: r[q].mean().round(2) for q in QUESTIONS})
        answers = answers.filter(answers.respondents > 0)
        served = clients(self, engine, groups).select(*groups, "citizen_id")
        answered = r.select(*groups, "citizen_id").distinct()
        both = answered.join(served, [*groups, "citizen_id"], how="semi")
        answering_clients = aggregate(both, groups, answering=both.count())
        counts = client_counts(self, engine, groups)
        out = left_join(outer_join(answers, counts, groups), answering_clients, groups)
        return out.mutate(
            respondents=out.respondents.coalesce(0),
            clients=out.clients.coalesce(0),
            response_rate=ratio(out.answering.coalesce(0), out.clients, 4),
        )


@register
class Complaints(Indicator):
    code = "complaints"
    aspect = "quality"
    title = _("Complaints and their outcome")
    description = _("Complaints about each provider received in the period, how they were decided, per 100 clients.")
    method = _(
        "Complaints received in the period, by outcome: upheld, partly upheld, rejected, and pending (no outcome "
        "recorded yet). Per 100 clients: the complaints divided by the provider's clients (distinct citizens "
        "with a done visit from the provider in the period, in the same month when broken down by month), times "
        "100. Published figures hide rows with fewer than 5 complaints.")
    dimensions = ("municipality", "provider", "month")
    columns = (
        Column("complaints", _("Complaints"), "count", suppress_below=True),
        Column("upheld", _("Upheld"), "count"),
        Column("partly", _("Partly upheld"), "count"),
        Column("rejected", _("Rejected"), "count"),
        Column("pending", _("Pending"), "count"),
        Column("clients", _("Clients"), "count"),
        Column("per_100_clients", _("Complaints per 100 clients"), "number"),
    )
    public = True
    chart = Chart("bar", "provider_id", "per_100_clients")
    best = ("per_100_clients", False)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        c = in_district(self, engine, self.scoped(engine.complaints, "received_day"))
        c = c.mutate(month=c.received_day.truncate("M"))
        outcome = c.outcome
        received = aggregate(
            c, groups,
            complaints=c.count(),
            upheld=c.count(where=outcome == "upheld"),
            partly=c.count(where=outcome == "partly"),
            rejected=c.count(where=outcome == "rejected"),
            pending=c.count(where=outcome.isnull() | (outcome == "")),
        )
        received = received.filter(received.complaints > 0)
        out = outer_join(received, client_counts(self, engine, groups), groups)
        complaints = out.complaints.coalesce(0)
        return out.mutate(
            complaints=complaints,
            **{k: out[k].coalesce(0) for k in ("upheld", "partly", "rejected", "pending", "clients")},
            per_100_clients=ratio(complaints * 100, out.clients, 2),
        )


@ibis.udf.scalar.builtin(name="bit_count")  # type: ignore[untyped-decorator]
def _bit_count(value: int) -> int:  # type: ignore[empty-body]
    """DuckDB's bit_count: the number of bits set."""


@register
class Continuity(Indicator):
    code = "continuity"
    aspect = "quality"
    title = _("Continuity of caregivers")
    description = _(
        "How many different caregivers a citizen with two or more visits a day saw in 14 days (fewer is better).")
    method = _(
        "The period is cut into consecutive 14-day windows from its first day; a last window shorter than 14 "
        "days is left out. For each citizen, provider and window: the done visits planned to start from 07:00 "
        "to before 22:00, the days with such visits, and the distinct caregivers who made them (when broken "
        "down by service or district, each service or district separately). A citizen-window is counted when it "
        "has at least two visits per day with visits. Shown: the distinct citizens counted, and the mean and "
        "median number of caregivers over the counted citizen-windows; by month, the month the window starts "
        "in. The same rule as the continuity shown when citizens choose a provider.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("citizens", _("Citizens counted"), "count", suppress_below=True),
        Column("mean_caregivers", _("Mean different caregivers"), "number"),
        Column("median_caregivers", _("Median different caregivers"), "number"),
    )
    public = True
    chart = Chart("bar", "provider_id", "mean_caregivers")
    best = ("mean_caregivers", False)

    def expression(self, engine: Engine) -> ir.Table:
        groups = self.group_columns
        starts = windows(self.start, self.end, CONTINUITY_DAYS)
        until = starts[-1] + timedelta(days=CONTINUITY_DAYS) if starts else self.start
        low, high = (hour * 60 for hour in CONTINUITY_HOURS)
        v = self.scoped(engine.visits)
        v = v.filter((v.status == "done") & (v.day >= self.start) & (v.day < until)
                     & (v.start_minute >= low) & (v.start_minute < high))
        offset = v.day.delta(literal_date(self.start), unit="day")
        # Two hash aggregations instead of COUNT(DISTINCT …) twice: first per caregiver (with the
        # window's days as a 14-bit mask), then per citizen-window (caregivers = rows, days =
        # bits set in the OR of the masks). Same figures, about eight times faster on DuckDB.
        v = v.mutate(window=offset // CONTINUITY_DAYS,
                     bit=ibis.literal(1, type="int64") << (offset % CONTINUITY_DAYS).cast("int64"))
        grain = list(dict.fromkeys([*(g for g in groups if g != "month"), "provider_id", "citizen_id", "window"]))
        by_caregiver = v.group_by([*grain, "caregiver_id"]).aggregate(visits=v.count(), mask=v.bit.bit_or())
        per = by_caregiver.group_by(grain).aggregate(
            visits=by_caregiver.visits.sum(), caregivers=by_caregiver.caregiver_id.count(),
            mask=by_caregiver.mask.bit_or())
        per = per.mutate(days=_bit_count(per.mask))
        per = per.filter(per.visits >= 2 * per.days)
        if "month" in groups:
            # The few windows' months, joined onto the aggregate (not onto the visits).
            months = ibis.memtable({"window": list(range(len(starts))), "month": [s.replace(day=1) for s in starts]},
                                   schema={"window": "int64", "month": "date"})
            per = per.join(months, "window")
        out = aggregate(
            per, groups,
            citizens=per.citizen_id.nunique(),
            mean_caregivers=per.caregivers.mean().round(2),
            median_caregivers=per.caregivers.quantile(0.5).round(2),
        )
        return out.filter(out.citizens > 0)


@register
class Punctuality(Indicator):
    code = "punctuality"
    aspect = "quality"
    title = _("Punctuality")
    description = _("How close to the planned start the caregivers check in.")
    method = _(
        "Done visits with a check-in in the period. Delay: check-in minus planned start, in minutes. Punctual: "
        "checked in at most 15 minutes before or after the planned start; late: more than 15 minutes after; "
        "early: more than 15 minutes before. Shown with the mean delay (negative: early). Visits without a "
        "check-in are left out. The same 15-minute rule as the punctuality shown when citizens choose a provider.")
    dimensions = ("municipality", "district", "service", "provider", "month")
    columns = (
        Column("visits", _("Visits with check-in"), "count", suppress_below=True),
        Column("punctual_share", _("Punctual"), "share"),
        Column("late_share", _("Late"), "share"),
        Column("early_share", _("Early"), "share"),
        Column("mean_delay", _("Mean delay"), "minutes"),
    )
    public = True
    chart = Chart("bar", "provider_id", "punctual_share")
    best = ("punctual_share", True)

    def expression(self, engine: Engine) -> ir.Table:
        # The cube counts the check-ins within PUNCTUAL_WITHIN_MINUTES (followup.engine.monthly).
        v = done_visits(self, engine)
        v = v.filter(v.checked_in > 0)
        out = aggregate(
            v, self.group_columns,
            visits=v.checked_in.sum(),
            punctual=v.punctual.sum(),
            late=v.late.sum(),
            early=v.early.sum(),
            delay_sum=v.delay_sum.sum(),
        )
        out = out.mutate(mean_delay=(out.delay_sum.cast("float64") / out.visits.cast("float64")).round(1))
        out = out.filter(out.visits > 0)
        return out.mutate(
            punctual_share=ratio(out.punctual, out.visits, 4),
            late_share=ratio(out.late, out.visits, 4),
            early_share=ratio(out.early, out.visits, 4),
        )
