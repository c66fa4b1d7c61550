"""Reads of settlement runs and their lines: finance sees its municipality's runs, a provider's
admins see their provider's runs in every municipality."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum

from frivalg.core import roles
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff, municipality_of
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.settlements.models import (
    DisputeStatus,
    LineOverride,
    ReasonCode,
    SettlementBatch,
    SettlementBudget,
    SettlementLine,
    SettlementRun,
)
from frivalg.visits.models import Visit


def _may_read_municipality_runs(actor: AnyUser) -> bool:
    if not is_municipal_staff(actor):
        return False
    return has_permission(actor, roles.SETTLEMENT_RUN) or has_permission(actor, roles.SETTLEMENT_APPROVE)


def runs_for(*, actor: AnyUser) -> QuerySet[SettlementRun]:
    allowed = Q(pk__in=[])
    municipality = municipality_of(actor)
    if municipality is not None and _may_read_municipality_runs(actor):
        allowed |= Q(municipality=municipality)
    if has_permission(actor, roles.SETTLEMENT_VIEW_PROVIDER):
        allowed |= Q(provider_id__in=admin_provider_ids_of(actor))
    return SettlementRun.objects.filter(allowed).select_related("provider", "municipality", "created_by", "approved_by")


def run_get(*, actor: AnyUser, public_id: UUID | str) -> SettlementRun:
    """One run; SettlementRun.DoesNotExist when the actor may not see it."""
    return runs_for(actor=actor).get(public_id=public_id)


def lines_for(*, actor: AnyUser, run: SettlementRun) -> QuerySet[SettlementLine]:
    """The lines of a run the actor may see (none otherwise)."""
    if not runs_for(actor=actor).filter(pk=run.pk).exists():
        return SettlementLine.objects.none()
    return SettlementLine.objects.filter(run=run).select_related("visit", "service", "decision")


@dataclass(frozen=True)
class ReasonTotal:
    reason_code: str
    label: str
    lines: int
    payable_minutes: Decimal
    amount_minor: int


def totals_by_reason(*, actor: AnyUser, run: SettlementRun) -> list[ReasonTotal]:
    """Lines, payable minutes and amount per reason code (aggregated in the database)."""
    rows = (
        lines_for(actor=actor, run=run)
        .order_by()
        .values("reason_code")
        .annotate(lines=Count("pk"), minutes=Sum("payable_minutes"), amount=Sum("amount_minor"))
        .order_by("reason_code")
    )
    return [
        ReasonTotal(
            row["reason_code"],
            str(ReasonCode(row["reason_code"]).label),
            row["lines"],
            row["minutes"] or Decimal(0),
            row["amount"] or 0,
        )
        for row in rows
    ]


def lines_of_reason(*, actor: AnyUser, run: SettlementRun, reason: str | None) -> QuerySet[SettlementLine]:
    """A run's lines the actor may see, of one reason code (every line when None), in visit order."""
    lines = lines_for(actor=actor, run=run)
    if reason:
        lines = lines.filter(reason_code=reason)
    return lines.order_by("visit__planned_start", "id")


def lines_to_decide(*, actor: AnyUser, run: SettlementRun) -> QuerySet[SettlementLine]:
    """The lines finance must look at first: deviations and lines with an open dispute."""
    return (lines_for(actor=actor, run=run)
            .filter(Q(deviation=True) | Q(disputes__status=DisputeStatus.OPEN))
            .distinct().order_by("visit__planned_start", "id"))


def overrides_for_visits(*, actor: AnyUser, visit_ids: list[int]) -> dict[int, LineOverride]:
    """Finance's decisions on these visits, by visit id (only the actor's municipality's)."""
    municipality = municipality_of(actor)
    if municipality is None or not _may_read_municipality_runs(actor):
        return {}
    overrides = LineOverride.objects.filter(municipality=municipality, visit_id__in=visit_ids)
    return {override.visit_id: override for override in overrides}


def batches_for(*, actor: AnyUser) -> QuerySet[SettlementBatch]:
    """The month computations of the actor's municipality (finance only)."""
    municipality = municipality_of(actor)
    if municipality is None or not _may_read_municipality_runs(actor):
        return SettlementBatch.objects.none()
    return SettlementBatch.objects.filter(municipality=municipality).select_related("municipality", "created_by")


def batch_get(*, actor: AnyUser, public_id: UUID | str) -> SettlementBatch:
    """One batch; SettlementBatch.DoesNotExist when the actor may not see it."""
    return batches_for(actor=actor).get(public_id=public_id)


def _percent(change: int, base: int | None) -> Decimal | None:
    if not base:
        return None
    return (Decimal(change) * 100 / Decimal(base)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ProviderMonth:
    """What a provider's runs of a month pay (regular and corrections), beside the month before."""

    provider: str
    runs: tuple[SettlementRun, ...]
    total_minor: int
    previous_minor: int | None

    @property
    def difference_minor(self) -> int | None:
        return None if self.previous_minor is None else self.total_minor - self.previous_minor

    @property
    def difference_percent(self) -> Decimal | None:
        return None if self.previous_minor is None else _percent(self.total_minor - self.previous_minor,
                                                                   self.previous_minor)


@dataclass(frozen=True)
class MonthOverview:
    """A month's runs per provider, the month's total beside the month before and the budget."""

    month: date
    currency: str
    providers: tuple[ProviderMonth, ...]
    total_minor: int
    previous_minor: int | None
    budget_minor: int | None

    @property
    def difference_minor(self) -> int | None:
        return None if self.previous_minor is None else self.total_minor - self.previous_minor

    @property
    def difference_percent(self) -> Decimal | None:
        return None if self.previous_minor is None else _percent(self.total_minor - self.previous_minor,
                                                                   self.previous_minor)

    @property
    def budget_left_minor(self) -> int | None:
        return None if self.budget_minor is None else self.budget_minor - self.total_minor

    @property
    def budget_used_percent(self) -> Decimal | None:
        return None if self.budget_minor is None else _percent(self.total_minor, self.budget_minor)


def _previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def run_months(*, actor: AnyUser) -> list[date]:
    """The months (first days) the actor has runs of, newest first."""
    return list(runs_for(actor=actor).order_by("-period_start").values_list("period_start", flat=True).distinct())


def months_overview(*, actor: AnyUser, months: list[date]) -> list[MonthOverview]:
    """Per month: the runs the actor may see grouped by provider with their totals, each beside
    the month before; for finance also the month's budget."""
    wanted = set(months) | {_previous_month(month) for month in months}
    runs = list(runs_for(actor=actor).filter(period_start__in=wanted).order_by("provider__name", "kind",
                                                                                "created_at"))
    by_month: dict[date, dict[str, list[SettlementRun]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        by_month[run.period_start][run.provider.name].append(run)
    budgets: dict[date, int] = {}
    municipality = municipality_of(actor)
    if municipality is not None and _may_read_municipality_runs(actor):
        budgets = dict(SettlementBudget.objects.filter(municipality=municipality, month__in=months)
                       .values_list("month", "amount_minor"))
    overviews = []
    for month in months:
        previous = by_month.get(_previous_month(month), {})
        providers = tuple(
            ProviderMonth(name, tuple(provider_runs), sum(run.total_minor for run in provider_runs),
                          sum(run.total_minor for run in previous[name]) if name in previous else None)
            for name, provider_runs in sorted(by_month.get(month, {}).items())
        )
        currency = next((p.runs[0].currency for p in providers), municipality.currency if municipality else "")
        previous_total = sum(run.total_minor for group in previous.values() for run in group) if previous else None
        overviews.append(MonthOverview(month, currency, providers, sum(p.total_minor for p in providers),
                                       previous_total, budgets.get(month)))
    return overviews


def run_visit_get(*, actor: AnyUser, run: SettlementRun, public_id: UUID | str) -> Visit:
    """A visit that has a line in the run the actor may see; Visit.DoesNotExist otherwise."""
    line = lines_for(actor=actor, run=run).filter(visit__public_id=public_id).first()
    if line is None or line.visit is None:
        raise Visit.DoesNotExist
    return line.visit
