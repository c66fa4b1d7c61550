"""Reads of disputes on settlement lines: finance of the run's municipality sees every dispute on
its runs, a provider's admins those on their provider's runs, nobody else any."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from frivalg.core import roles
from frivalg.core.selectors import AnyUser, has_permission, is_municipal_staff, municipality_of
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.settlements.models import DisputeStatus, LineDispute, SettlementLine, SettlementRun


def _finance_q(actor: AnyUser, prefix: str) -> Q:
    municipality = municipality_of(actor)
    if municipality is None:
        return Q(pk__in=[])
    if not is_municipal_staff(actor):
        return Q(pk__in=[])
    if not (has_permission(actor, roles.SETTLEMENT_RUN) or has_permission(actor, roles.SETTLEMENT_APPROVE)):
        return Q(pk__in=[])
    return Q(**{f"{prefix}run__municipality": municipality})


def _provider_q(actor: AnyUser, prefix: str) -> Q:
    if not has_permission(actor, roles.SETTLEMENT_VIEW_PROVIDER):
        return Q(pk__in=[])
    return Q(**{f"{prefix}run__provider_id__in": admin_provider_ids_of(actor)})


def disputes_for(*, actor: AnyUser) -> QuerySet[LineDispute]:
    allowed = _finance_q(actor, "line__") | _provider_q(actor, "line__")
    return LineDispute.objects.filter(allowed).select_related("line__run", "line__service", "line__visit", "raised_by")


def disputes_of_run(*, actor: AnyUser, run: SettlementRun, open_only: bool = False) -> QuerySet[LineDispute]:
    disputes = disputes_for(actor=actor).filter(line__run=run)
    if open_only:
        disputes = disputes.filter(status=DisputeStatus.OPEN)
    return disputes


def dispute_get(*, actor: AnyUser, public_id: UUID | str) -> LineDispute:
    """One dispute; LineDispute.DoesNotExist when the actor may not see it."""
    return disputes_for(actor=actor).get(public_id=public_id)


def line_get(*, actor: AnyUser, line_id: UUID | str) -> SettlementLine:
    """A line (by its public id) of a run the actor may see; SettlementLine.DoesNotExist otherwise."""
    allowed = _finance_q(actor, "") | _provider_q(actor, "")
    return SettlementLine.objects.filter(allowed).select_related("run", "visit").get(public_id=line_id)
