"""Key figures of the municipality's market for a period. Aggregates only — no citizen, visit or
caregiver is ever returned — computed by the database (COUNT/SUM/GROUP BY); the rules in
followup.rules turn the small grouped tables into figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

import pyarrow as pa
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from frivalg.assessments.models import Decision, DecisionStatus
from frivalg.assessments.rules import TIME_UNITS
from frivalg.catalogue.models import ProviderKind, Service
from frivalg.choices.models import Choice, ChoiceHow
from frivalg.core import roles
from frivalg.core.models import District, Municipality
from frivalg.core.periods import Period
from frivalg.core.selectors import AnyUser, municipality_of, require
from frivalg.followup import cache, publication, rules, snapshot
from frivalg.followup.engine import Engine
from frivalg.followup.indicators import REGISTRY, Indicator, IndicatorError
from frivalg.followup.models import BenchmarkFigure, BenchmarkImport, CompetitionTask
from frivalg.providers.models import Approval, ApprovalStatus, Provider
from frivalg.visits.models import Visit, VisitStatus

#: Decisions that granted a service during (part of) a period.
_GRANTED_STATUSES = (DecisionStatus.GRANTED, DecisionStatus.ENDED)
#: Approvals that put a provider on the market during (part of) a period.
_ON_MARKET_STATUSES = (ApprovalStatus.APPROVED, ApprovalStatus.SUSPENDED, ApprovalStatus.TERMINATED)


@dataclass(frozen=True)
class KeyFigures:
    """The market in one municipality over one period. Shares are fractions 0–1 (None when there
    is nothing to divide by); hours are hours; `hhi` is 0–10 000 (followup.rules)."""

    period: Period
    citizens_with_grant: int
    granted_hours: Decimal
    average_granted_hours_per_week: Decimal | None
    delivered_hours: Decimal
    delivered_share: Decimal | None
    providers_approved: int
    providers_with_clients: int
    clients: int
    private_share: Decimal | None
    active_choice_share: Decimal | None
    switches: int
    hhi: Decimal | None

    @property
    def concentration(self) -> str | None:
        return rules.concentration(self.hhi) if self.hhi is not None else None


def _overlapping(period: Period, start: str = "valid_from", end: str = "valid_to") -> Q:
    """Rows valid (from/to inclusive) on some day of the period."""
    last_day = period.end - timedelta(days=1)
    return Q(**{f"{start}__lte": last_day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period.start}))


def _decisions(municipality: Municipality, period: Period) -> QuerySet[Decision]:
    return Decision.objects.filter(municipality=municipality, status__in=_GRANTED_STATUSES).filter(_overlapping(period))


def _granted(municipality: Municipality, period: Period) -> tuple[int, int, Decimal]:
    """Citizens with a grant, citizens with a grant of time, hours granted for the period."""
    decisions = _decisions(municipality, period)
    citizens = decisions.aggregate(n=Count("citizen", distinct=True))["n"]
    timed = decisions.filter(unit__in=list(TIME_UNITS))
    timed_citizens = timed.aggregate(n=Count("citizen", distinct=True))["n"]
    groups = timed.order_by().values("valid_from", "valid_to", "unit", "frequency").annotate(amount=Sum("amount"))
    hours = rules.granted_hours(
        (
            rules.GrantGroup(g["valid_from"], g["valid_to"], g["unit"], g["frequency"], Decimal(g["amount"]))
            for g in groups
        ),
        period.start,
        period.end,
    )
    return citizens, timed_citizens, hours


def _delivered_hours(municipality: Municipality, period: Period) -> Decimal:
    """Verified performed time of the visits planned to start in the period (local time)."""
    start, end = period.local_bounds(municipality.time_zone)
    duration = ExpressionWrapper(F("actual_end") - F("actual_start"), output_field=DurationField())
    total = Visit.objects.filter(
        municipality=municipality,
        status=VisitStatus.DONE,
        planned_start__gte=start,
        planned_start__lt=end,
        actual_start__isnull=False,
        actual_end__isnull=False,
    ).aggregate(total=Sum(duration))["total"]
    if not total:
        return Decimal("0.00")
    seconds = Decimal(total.days * 86400 + total.seconds)
    return (seconds / 3600).quantize(rules.HOURS_QUANTUM, rounding=ROUND_HALF_UP)


def key_figures(*, actor: AnyUser, period: Period) -> KeyFigures:
    """Key figures for the actor's municipality (FOLLOWUP_VIEW)."""
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Key figures are for the municipality's staff."))
    citizens, timed_citizens, granted = _granted(municipality, period)
    delivered = _delivered_hours(municipality, period)

    choices = Choice.objects.filter(municipality=municipality, decision__status__in=_GRANTED_STATUSES).filter(
        _overlapping(period)
    )
    by_provider = {
        str(row["provider_id"]): row["clients"]
        for row in choices.order_by().values("provider_id").annotate(clients=Count("decision__citizen", distinct=True))
    }
    clients = choices.aggregate(n=Count("decision__citizen", distinct=True))["n"]
    private_clients = choices.exclude(provider__kind=ProviderKind.IN_HOUSE).aggregate(
        n=Count("decision__citizen", distinct=True)
    )["n"]
    how = choices.aggregate(total=Count("pk"), active=Count("pk", filter=Q(how=ChoiceHow.ACTIVE)))
    switches = choices.filter(previous__isnull=False, valid_from__gte=period.start, valid_from__lt=period.end).count()
    providers_approved = (
        Approval.objects.filter(municipality=municipality, status__in=_ON_MARKET_STATUSES, valid_from__isnull=False)
        .filter(_overlapping(period))
        .aggregate(n=Count("provider", distinct=True))["n"]
    )
    client_shares = rules.shares(by_provider)
    return KeyFigures(
        period=period,
        citizens_with_grant=citizens,
        granted_hours=granted,
        average_granted_hours_per_week=rules.average_weekly_hours(granted, period.days, timed_citizens),
        delivered_hours=delivered,
        delivered_share=rules.ratio(delivered, granted),
        providers_approved=providers_approved,
        providers_with_clients=len(by_provider),
        clients=clients,
        private_share=rules.ratio(private_clients, clients),
        active_choice_share=rules.ratio(how["active"], how["total"]),
        switches=switches,
        hhi=rules.hhi(client_shares) if client_shares else None,
    )


# -- Indicators (issue 7): typed queries on the follow-up engine ---------------------------------


@dataclass(frozen=True)
class IndicatorTable:
    """An indicator's result as the pages and the API show it: the Arrow table, display names for
    its dimension columns, the time of the data it was computed on, and how many rows were held
    back as small counts (published and cross-municipality figures)."""

    indicator: Indicator
    table: pa.Table
    labels: Mapping[str, Mapping[object, str]]
    data_as_of: datetime
    suppressed: int = 0

    def rows(self) -> list[dict[str, object]]:
        """The rows with each dimension id column followed by its name (`<dimension>_name`), and
        coded text columns by their display names."""
        coded = {c.name: c.labels for c in self.indicator.columns if c.labels}
        out = []
        for row in self.table.to_pylist():
            named: dict[str, object] = {}
            for key, value in row.items():
                if isinstance(value, bool):
                    named[key] = _("Yes") if value else _("No")
                elif key in coded and isinstance(value, str):
                    named[key] = str(coded[key].get(value, value))
                else:
                    named[key] = value
                if key in self.labels:
                    name = self.labels[key].get(value, "" if value is None else str(value))
                    named[key.removesuffix("_id") + "_name"] = name
            out.append(named)
        return out


def indicator_class(code: str) -> type[Indicator]:
    try:
        return REGISTRY.indicators[code]
    except KeyError:
        raise IndicatorError(_("There is no indicator %(code)s.") % {"code": code}) from None


def _labels(tables: Sequence[pa.Table]) -> dict[str, dict[object, str]]:
    """Names for the dimension ids present in `tables`, read from the database (small lookups)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for table in tables:
        for column in ("municipality_id", "district_id", "service_id", "provider_id"):
            if column in table.column_names:
                wanted[column].update(v for v in table.column(column).to_pylist() if v is not None)
    models = {"municipality_id": Municipality, "district_id": District, "service_id": Service,
              "provider_id": Provider}
    return {column: dict(models[column].objects.filter(pk__in=ids).values_list("pk", "name"))  # type: ignore[attr-defined]
            for column, ids in wanted.items()}


def _suppressed(indicator: Indicator, table: pa.Table) -> tuple[pa.Table, int]:
    """Small counts held back; text columns (keys such as the provider kind) stay readable."""
    counts = [c.name for c in indicator.columns if c.suppress_below]
    values = [c.name for c in indicator.columns if c.kind != "text"]
    return publication.suppress(table, counts, values)


#: The last engine built, by data stamp: a page or a report asks for many indicators on the same
#: data; the snapshot is read once. A new stamp (any change of the data) builds a new engine.
#: Inside a transaction (whose rows may be rolled back and their ids reused) the engine is only
#: reused within the same outermost atomic block, held here so its identity stays unique.
_LAST_ENGINE: dict[str, tuple[object, Engine]] = {}


def _engine(stamp: str) -> Engine:
    block = connection.atomic_blocks[0] if connection.in_atomic_block else None
    last = _LAST_ENGINE.get(stamp)
    if last is None or last[0] is not block:
        _LAST_ENGINE.clear()
        _LAST_ENGINE[stamp] = (block, snapshot.engine_for()[0])
    return _LAST_ENGINE[stamp][1]


def _compute(indicators: Sequence[Indicator]) -> tuple[dict[str, pa.Table], datetime]:
    """The indicators' tables on the current data (cached by stamp) and the time the data is as of."""
    stamp, as_of = snapshot.stamp()

    def run(indicator: Indicator) -> pa.Table:
        return indicator.run(_engine(stamp))

    return cache.cached(indicators, stamp, as_of, cache.timed_compute(run)), as_of


def indicator_tables(*, actor: AnyUser, indicators: Sequence[Indicator]) -> list[IndicatorTable]:
    """The tables of `indicators` for the actor's municipality (FOLLOWUP_VIEW). Each indicator
    must be scoped to that municipality, or — to compare municipalities — be broken down by
    municipality across the installation, whose rows then hide small counts."""
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Key figures are for the municipality's staff."))
    for indicator in indicators:
        across = indicator.municipality_id is None and "municipality" in indicator.by
        if indicator.municipality_id != municipality.pk and not across:
            raise PermissionDenied(_("Indicators are computed for your own municipality."))
    tables, as_of = _compute(indicators)
    labels = _labels(list(tables.values()))
    out = []
    for indicator in indicators:
        table, hidden = tables[indicator.key()], 0
        if indicator.municipality_id is None:
            table, hidden = _suppressed(indicator, table)
        out.append(IndicatorTable(indicator, table, labels, as_of, hidden))
    return out


def published_tables(*, municipality: Municipality, indicators: Sequence[Indicator]) -> list[IndicatorTable]:
    """Published figures (no login): only public indicators of `municipality`, small counts
    suppressed in every row."""
    for indicator in indicators:
        if not indicator.public or indicator.municipality_id != municipality.pk:
            raise PermissionDenied(_("This figure is not published."))
    tables, as_of = _compute(indicators)
    labels = _labels(list(tables.values()))
    out = []
    for indicator in indicators:
        table, hidden = _suppressed(indicator, tables[indicator.key()])
        out.append(IndicatorTable(indicator, table, labels, as_of, hidden))
    return out


# -- The task list and imported benchmark figures -------------------------------------------------


def _staff_municipality(actor: AnyUser) -> Municipality:
    require(actor, roles.FOLLOWUP_VIEW)
    municipality = municipality_of(actor)
    if municipality is None:
        raise PermissionDenied(_("Key figures are for the municipality's staff."))
    return municipality


def competition_tasks_for(*, actor: AnyUser) -> list[CompetitionTask]:
    """The actor's municipality's competition task list, with the services (FOLLOWUP_VIEW)."""
    municipality = _staff_municipality(actor)
    return list(CompetitionTask.objects.filter(municipality=municipality).prefetch_related("services"))


def benchmark_figures_for(*, actor: AnyUser, codes: Iterable[str], years: Sequence[int]) -> list[BenchmarkFigure]:
    """Other municipalities' figures the actor's municipality imported (FOLLOWUP_VIEW)."""
    municipality = _staff_municipality(actor)
    return list(BenchmarkFigure.objects.filter(municipality=municipality, indicator__in=list(codes),
                                               year__in=list(years)))


def benchmark_imports_for(*, actor: AnyUser, limit: int = 10) -> list[BenchmarkImport]:
    """The latest imports of the actor's municipality (FOLLOWUP_MANAGE)."""
    require(actor, roles.FOLLOWUP_MANAGE)
    municipality = _staff_municipality(actor)
    return list(BenchmarkImport.objects.filter(municipality=municipality)[:limit])


def benchmark_import_get(*, actor: AnyUser, public_id: UUID) -> BenchmarkImport | None:
    require(actor, roles.FOLLOWUP_MANAGE)
    municipality = _staff_municipality(actor)
    return BenchmarkImport.objects.filter(municipality=municipality, public_id=public_id).first()
