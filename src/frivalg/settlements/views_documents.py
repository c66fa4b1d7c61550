"""Pages and files made from settlement runs and co-payment bills: the provider's statement
(page, PDF, CSV), the run's e-invoice and accounting export, disputes on lines, and the
citizen's co-payment bill (page, PDF) with finance's list of a month's bills."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.selectors import has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers.selectors import admin_provider_ids_of
from frivalg.settlements import accounting, documents
from frivalg.settlements.dispute_selectors import dispute_get, disputes_of_run, line_get
from frivalg.settlements.dispute_services import line_dispute_raise, line_dispute_resolve
from frivalg.settlements.models import CoPaymentBill, LineDispute, OverrideAction, SettlementLine, SettlementRun
from frivalg.settlements.selectors import run_get

LINES_PER_PAGE = 100


def _run_or_404(request: AuthenticatedRequest, public_id: UUID) -> SettlementRun:
    try:
        return run_get(actor=request.user, public_id=public_id)
    except SettlementRun.DoesNotExist as missing:
        raise Http404(_("No such settlement run.")) from missing


def _bill_or_404(request: AuthenticatedRequest, public_id: UUID) -> CoPaymentBill:
    try:
        return documents.bill_get(actor=request.user, public_id=public_id)
    except CoPaymentBill.DoesNotExist as missing:
        raise Http404(_("No such bill.")) from missing


def _error_messages(request: AuthenticatedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def statement(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    run = _run_or_404(request, public_id)
    totals = documents.statement_for(actor=request.user, run=run)
    page = Paginator(range(totals.line_count), LINES_PER_PAGE).get_page(request.GET.get("page"))
    window = (page.start_index() - 1, page.end_index()) if totals.line_count else (0, 0)
    return render(request, "settlements/documents/statement.html", {
        "run": run,
        "statement": totals,
        "lines": list(documents.statement_lines(actor=request.user, run=run, window=window)),
        "page": page,
        "disputes": disputes_of_run(actor=request.user, run=run),
        "may_dispute": run.provider_id in _admin_ids(request),
        "may_resolve": has_permission(request.user, roles.SETTLEMENT_APPROVE)
        and request.user.municipality_id == run.municipality_id,
        "actions": OverrideAction.choices,
    })


def _admin_ids(request: AuthenticatedRequest) -> set[int]:
    if not has_permission(request.user, roles.SETTLEMENT_VIEW_PROVIDER):
        return set()
    return admin_provider_ids_of(request.user)


@login_required
def statement_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    run = _run_or_404(request, public_id)
    response = HttpResponse(documents.statement_pdf(actor=request.user, run=run), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.statement_file_name(run, "pdf")}"'
    return response


@login_required
def statement_csv(request: AuthenticatedRequest, public_id: UUID) -> StreamingHttpResponse:
    run = _run_or_404(request, public_id)
    response = StreamingHttpResponse(documents.statement_csv(actor=request.user, run=run),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{documents.statement_file_name(run, "csv")}"'
    return response


@login_required
def invoice_xml(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    run = _run_or_404(request, public_id)
    try:
        xml = documents.run_invoice(actor=request.user, run=run)
    except ValidationError as error:
        return render(request, "settlements/documents/invoice_refused.html",
                      {"run": run, "errors": error.messages}, status=409)
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{documents.invoice_file_name(run)}"'
    return response


@login_required
def accounting_csv(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_RUN)
    run = _run_or_404(request, public_id)
    layout = accounting.Layout.PER_LINE if request.GET.get("layout") == "per_line" else accounting.Layout.AGGREGATED
    try:
        export = documents.run_accounting(actor=request.user, run=run, layout=layout)
    except SettlementRun.DoesNotExist as missing:
        raise Http404(_("No such settlement run.")) from missing
    response = HttpResponse(export.csv_text, content_type="text/csv; charset=utf-8")
    name = f"accounting-{run.municipality.code}-{run.period_start:%Y-%m}-{str(run.public_id)[:8]}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def line_dispute(request: AuthenticatedRequest, line_id: UUID) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_VIEW_PROVIDER)
    try:
        line = line_get(actor=request.user, line_id=line_id)
    except SettlementLine.DoesNotExist as missing:
        raise Http404(_("No such settlement line.")) from missing
    comment = request.POST.get("comment", "")
    if request.method == "POST":
        try:
            line_dispute_raise(actor=request.user, line=line, comment=comment)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("Your dispute is sent to the municipality's finance."))
            return redirect("settlements:statement", public_id=line.run.public_id)
    return render(request, "settlements/documents/dispute.html", {"line": line, "run": line.run,
                                                                  "comment": comment})


@login_required
@require_POST
def dispute_resolve(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_APPROVE)
    try:
        dispute = dispute_get(actor=request.user, public_id=public_id)
    except LineDispute.DoesNotExist as missing:
        raise Http404(_("No such dispute.")) from missing
    try:
        line_dispute_resolve(actor=request.user, dispute=dispute, answer=request.POST.get("answer", ""),
                             action=request.POST.get("action", ""))
    except ValidationError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The dispute is answered and resolved."))
    return redirect("settlements:statement", public_id=dispute.line.run.public_id)


def _month(value: str | None) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def bills(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_RUN)
    if request.user.municipality_id is None:
        raise PermissionDenied(roles.SETTLEMENT_RUN.description)
    month = _month(request.GET.get("month"))
    page = Paginator(documents.bills_of_month(actor=request.user, month_start=month), 50).get_page(
        request.GET.get("page"))
    return render(request, "settlements/documents/bills.html", {"page": page, "month": month})


@login_required
def bill(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    found = _bill_or_404(request, public_id)
    return render(request, "settlements/documents/bill.html", {
        "bill": found, "explanation": documents.bill_explanation(bill=found),
    })


@login_required
def bill_pdf(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    found = _bill_or_404(request, public_id)
    response = HttpResponse(documents.bill_pdf(bill=found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bill-{found.period_start:%Y-%m}.pdf"'
    return response
