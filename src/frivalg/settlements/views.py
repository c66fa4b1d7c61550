"""Finance's settlement pages: the runs, creating a draft for a provider and month, a run's
lines with their reason codes, and approving a draft."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.providers.selectors import providers_for
from frivalg.settlements.forms import SettlementRunForm
from frivalg.settlements.models import RunStatus, SettlementRun
from frivalg.settlements.selectors import lines_for, run_get, runs_for, totals_by_reason
from frivalg.settlements.services import settlement_run_approve, settlement_run_create


def _require_reader(request: AuthenticatedRequest) -> None:
    """Finance reads its municipality's runs; a provider's admins their provider's runs."""
    if has_permission(request.user, roles.SETTLEMENT_RUN):
        return
    if has_permission(request.user, roles.SETTLEMENT_VIEW_PROVIDER):
        return
    raise PermissionDenied(roles.SETTLEMENT_RUN.description)


def _run_or_404(request: AuthenticatedRequest, public_id: UUID) -> SettlementRun:
    try:
        return run_get(actor=request.user, public_id=public_id)
    except SettlementRun.DoesNotExist as missing:
        raise Http404(_("No such settlement run.")) from missing


@login_required
def runs(request: AuthenticatedRequest) -> HttpResponse:
    _require_reader(request)
    may_create = has_permission(request.user, roles.SETTLEMENT_RUN)
    form = None
    if may_create:
        form = SettlementRunForm(request.POST or None, providers=providers_for(actor=request.user).order_by("name"))
    if request.method == "POST":
        require(request.user, roles.SETTLEMENT_RUN)
        assert form is not None
        if form.is_valid():
            try:
                run = settlement_run_create(actor=request.user, provider=form.cleaned_data["provider"],
                                            period=form.cleaned_data["month"])
            except ValidationError as error:
                add_service_errors(form, error, {"period": "month"})
            else:
                messages.success(request, _("The settlement draft is ready: %(lines)s lines.") % {
                    "lines": run.line_count})
                return redirect("settlements:run", public_id=run.public_id)
    page = Paginator(runs_for(actor=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "settlements/runs.html", {"form": form, "page": page})


@login_required
def run_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_reader(request)
    run = _run_or_404(request, public_id)
    lines = lines_for(actor=request.user, run=run).order_by("visit__planned_start", "id")
    return render(request, "settlements/run_detail.html", {
        "run": run,
        "totals": totals_by_reason(actor=request.user, run=run),
        "page": Paginator(lines, 100).get_page(request.GET.get("page")),
        "may_approve": run.status == RunStatus.DRAFT and has_permission(request.user, roles.SETTLEMENT_APPROVE),
    })


@login_required
@require_POST
def run_approve(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_APPROVE)
    run = _run_or_404(request, public_id)
    try:
        settlement_run_approve(actor=request.user, run=run)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The settlement run is approved. Its lines can no longer change."))
    return redirect("settlements:run", public_id=run.public_id)
