"""Reads of settlement runs and their lines: finance sees its municipality's runs, a provider's
admins see their provider's runs in every municipality."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Q, QuerySet, Sum

from frivalg.core import roles
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff, municipality_of
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.settlements.models import ReasonCode, SettlementLine, SettlementRun


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
