"""JSON API for settlement runs: compute a month (now, or in the background as a batch), read runs
and their lines, approve, export."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.pagination import paginate

from frivalg.core import roles
from frivalg.core.api import actor_of
from frivalg.core.periods import Period
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import require
from frivalg.settlements import dispute_selectors, dispute_services, documents, selectors, services
from frivalg.settlements.models import CoPaymentBill, LineDispute, SettlementBatch, SettlementLine, SettlementRun
from frivalg.settlements.schemas import (
    BatchOut,
    BillOut,
    DisputeIn,
    DisputeOut,
    LineOut,
    LinesQuery,
    MonthIn,
    MonthOut,
    RunDetailOut,
    RunOut,
    StatementOut,
)

router = Router(tags=["Settlement"])


@router.get("/settlement-runs", response={200: list[RunOut], **ERRORS}, summary="Settlement runs I may see")
@paginate(Pagination)
def run_list(request: HttpRequest) -> Iterable[SettlementRun]:
    return selectors.runs_for(actor=actor_of(request))


@router.post("/settlement-runs", response={201: MonthOut, **ERRORS},
             summary="Compute a month for every provider now (drafts and corrections)")
def run_create(request: HttpRequest, payload: MonthIn) -> tuple[int, dict[str, Any]]:
    """The engine settles the calendar month: one draft per provider (an earlier draft is
    replaced), a correction run where the provider's run is approved. For a large month start a
    settlement batch instead and poll it."""
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_RUN)
    period = Period.month(payload.year, payload.month)
    result = services.settlement_month_compute(actor=actor, period=period)
    return 201, {"period_start": period.start, "period_end": period.end, "runs": list(result.runs),
                 "lines": result.lines, "deviations": result.deviations, "bills": result.bills,
                 "total_minor": result.total_minor, "input_hash": result.input_hash,
                 "output_hash": result.output_hash}


@router.post("/settlement-batches", response={202: BatchOut, **ERRORS},
             summary="Start computing a month for every provider in the background")
def batch_create(request: HttpRequest, payload: MonthIn) -> tuple[int, SettlementBatch]:
    """Answers at once with the batch; poll GET /settlement-batches/{id} until it is done."""
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_RUN)
    batch = services.settlement_batch_start(actor=actor, period=Period.month(payload.year, payload.month))
    return 202, selectors.batch_get(actor=actor, public_id=batch.public_id)


@router.get("/settlement-batches/{batch_id}", response={200: BatchOut, **ERRORS},
            summary="A month's computation: status, progress and result")
def batch_detail(request: HttpRequest, batch_id: UUID) -> SettlementBatch:
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_RUN)
    return selectors.batch_get(actor=actor, public_id=batch_id)


@router.get("/settlement-runs/{run_id}/lines", response={200: list[LineOut], **ERRORS},
            summary="A run's lines, of one reason code or all")
@paginate(Pagination)
def run_lines(request: HttpRequest, run_id: UUID, query: Query[LinesQuery]) -> Iterable[SettlementLine]:
    actor = actor_of(request)
    run = selectors.run_get(actor=actor, public_id=run_id)
    return selectors.lines_of_reason(actor=actor, run=run, reason=query.reason.value if query.reason else None)


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


# --- statements, e-invoices, disputes and co-payment bills (settlements.documents) -----------


@router.get("/settlement-runs/{run_id}/statement", response={200: StatementOut, **ERRORS},
            summary="A run's statement: totals by service, time band and reason")
def run_statement(request: HttpRequest, run_id: UUID) -> documents.Statement:
    """The lines themselves are at .../lines; the page /settlements/{id}/statement/ gives them as
    PDF and CSV."""
    actor = actor_of(request)
    run = selectors.run_get(actor=actor, public_id=run_id)
    return documents.statement_for(actor=actor, run=run)


@router.get(
    "/settlement-runs/{run_id}/invoice.xml",
    response={200: None, **ERRORS},
    summary="A run's e-invoice, or credit note when it pays back (Peppol BIS Billing 3.0 UBL)",
    openapi_extra={"responses": {200: {"content": {"application/xml": {"schema": {"type": "string"}}}}}},
)
def run_invoice(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """Approved and exported runs only (a draft, or a run adding up to zero, gives 422); a run whose
    total is negative gives a UBL CreditNote (file name `credit-note-….xml`). Validated against the
    UBL 2.1 schema before it is returned. See docs/einvoicing.md."""
    actor = actor_of(request)
    run = selectors.run_get(actor=actor, public_id=run_id)
    response = HttpResponse(documents.run_invoice(actor=actor, run=run), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{documents.invoice_file_name(run)}"'
    return response


@router.post("/settlement-lines/{line_id}/disputes", response={201: DisputeOut, **ERRORS},
             summary="Dispute a line of one's own provider's run")
def line_dispute_create(request: HttpRequest, line_id: UUID, payload: DisputeIn) -> tuple[int, LineDispute]:
    actor = actor_of(request)
    require(actor, roles.SETTLEMENT_VIEW_PROVIDER)
    line = dispute_selectors.line_get(actor=actor, line_id=line_id)
    return 201, dispute_services.line_dispute_raise(actor=actor, line=line, comment=payload.comment)


@router.get("/co-payment-bills", response={200: list[BillOut], **ERRORS},
            summary="Co-payment bills I may see (finance, the citizen, a relative with power of attorney)")
@paginate(Pagination)
def bill_list(request: HttpRequest) -> Iterable[CoPaymentBill]:
    return documents.bills_for(actor=actor_of(request))
