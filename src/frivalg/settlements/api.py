"""JSON API for settlement runs: compute a provider's month, read its lines, approve, export."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of, lookup
from frivalg.core.periods import Period
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import require
from frivalg.providers.selectors import provider_get
from frivalg.settlements import selectors, services
from frivalg.settlements.models import SettlementRun
from frivalg.settlements.schemas import RunDetailOut, RunIn, RunOut

router = Router(tags=["Settlement"])


@router.get("/settlement-runs", response={200: list[RunOut], **ERRORS}, summary="Settlement runs I may see")
@paginate(Pagination)
def run_list(request: HttpRequest) -> Iterable[SettlementRun]:
    return selectors.runs_for(actor=actor_of(request))


@router.post("/settlement-runs", response={201: RunOut, **ERRORS},
             summary="Compute a provider's month (draft)")
def run_create(request: HttpRequest, payload: RunIn) -> tuple[int, SettlementRun]:
    """A draft for the same provider and month is recomputed; a settled month is refused."""
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_RUN)
    provider = lookup("provider", provider_get, actor=actor, public_id=payload.provider)
    period = Period.month(payload.year, payload.month)
    return 201, services.settlement_run_create(actor=actor, provider=provider, period=period)


@router.get("/settlement-runs/{run_id}", response={200: RunDetailOut, **ERRORS},
            summary="One run with its lines")
def run_detail(request: HttpRequest, run_id: UUID) -> SettlementRun:
    actor = actor_of(request)
    run = selectors.run_get(actor=actor, public_id=run_id)
    run.visible_lines = list(selectors.lines_for(actor=actor, run=run))  # type: ignore[attr-defined]
    return run


@router.post("/settlement-runs/{run_id}/approve", response={200: RunOut, **ERRORS}, summary="Approve a draft")
def run_approve(request: HttpRequest, run_id: UUID) -> SettlementRun:
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_APPROVE)
    run = selectors.run_get(actor=actor, public_id=run_id)
    return services.settlement_run_approve(actor=actor, run=run)


@router.post("/settlement-runs/{run_id}/export", response={200: RunOut, **ERRORS},
             summary="Mark an approved run as handed to payment")
def run_export(request: HttpRequest, run_id: UUID) -> SettlementRun:
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_APPROVE)
    run = selectors.run_get(actor=actor, public_id=run_id)
    return services.settlement_run_export(actor=actor, run=run)
