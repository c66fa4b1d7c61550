"""Settlement pages: finance settles a month for every provider in the background (a batch with
its progress), reads the runs per month beside the month before and the budget, drills into a
run's reasons, decides deviating and disputed visits, recomputes, approves and exports. A
provider's admins read their own provider's runs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.periods import Period
from frivalg.core.selectors import has_permission, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.pricing.models import AfterCalculation
from frivalg.pricing.selectors import after_calculation_get
from frivalg.settlements.forms import LineOverrideForm, SettlementBudgetForm, SettlementMonthForm
from frivalg.settlements.models import ReasonCode, RunStatus, SettlementBatch, SettlementRun
from frivalg.settlements.selectors import (
    MonthOverview,
    batch_get,
    lines_of_reason,
    lines_to_decide,
    months_overview,
    overrides_for_visits,
    run_get,
    run_months,
    run_visit_get,
    totals_by_reason,
)
from frivalg.settlements.services import (
    after_calculation_settle,
    line_override_set,
    settlement_batch_start,
    settlement_budget_set,
    settlement_run_approve,
    settlement_run_export,
)
from frivalg.visits.models import Visit

MONTHS_PER_PAGE = 6


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


def _batch_or_404(request: AuthenticatedRequest, public_id: UUID) -> SettlementBatch:
    try:
        return batch_get(actor=request.user, public_id=public_id)
    except SettlementBatch.DoesNotExist as missing:
        raise Http404(_("No such settlement batch.")) from missing


def _start(request: AuthenticatedRequest, period: Period) -> SettlementBatch:
    batch = settlement_batch_start(actor=request.user, period=period)
    messages.success(request, _("The settlement of %(month)s has started.") % {"month": str(period)})
    return batch


def _months_chart(overviews: list[MonthOverview]) -> dict[str, Any] | None:
    """A Vega-Lite spec (Altair) of what each provider is paid per month, with the budget as a
    tick. Positions are floats for drawing only; the exact amounts are in the tooltips and the
    table."""
    import altair as alt  # imported when used: only the runs page draws a chart

    values: list[dict[str, Any]] = []
    budgets: list[dict[str, Any]] = []
    for overview in reversed(overviews):
        label = overview.month.strftime("%Y-%m")
        for provider in overview.providers:
            values.append({"month": label, "provider": provider.provider, "amount": provider.total_minor / 100,
                           "exact": localize(provider.total_minor / 100)})
        if overview.budget_minor is not None:
            budgets.append({"month": label, "budget": overview.budget_minor / 100,
                            "exact": localize(overview.budget_minor / 100)})
    if not values:
        return None
    month_title, amount_title, provider_title = _("Month"), _("Paid"), _("Provider")
    x = alt.X("month:N", title=month_title)
    bars = alt.Chart(alt.InlineData(values=values)).mark_bar(aria=False).encode(
        x=x, xOffset=alt.XOffset("provider:N"), y=alt.Y("amount:Q", title=amount_title),
        color=alt.Color("provider:N", title=provider_title, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("month:N", title=month_title), alt.Tooltip("provider:N", title=provider_title),
                 alt.Tooltip("exact:N", title=amount_title)],
    )
    layers = [bars]
    if budgets:
        layers.append(alt.Chart(alt.InlineData(values=budgets)).mark_tick(
            color="#1a1a1a", thickness=3, aria=False).encode(
            x=x, y=alt.Y("budget:Q"), tooltip=[alt.Tooltip("exact:N", title=_("Budget"))]))
    chart = alt.layer(*layers).properties(width="container", height=260).configure(aria=False)
    spec: dict[str, Any] = chart.to_dict()
    return spec


@login_required
def runs(request: AuthenticatedRequest) -> HttpResponse:
    """The runs by month with totals per provider; finance also starts a month's settlement
    (POST) and sets budgets."""
    _require_reader(request)
    may_create = has_permission(request.user, roles.SETTLEMENT_RUN)
    form = SettlementMonthForm(request.POST or None) if may_create else None
    if request.method == "POST":
        require(request.user, roles.SETTLEMENT_RUN)
        assert form is not None
        if form.is_valid():
            try:
                batch = _start(request, form.cleaned_data["month"])
            except ValidationError as error:
                add_service_errors(form, error, {"period": "month"})
            else:
                return redirect("settlements:batch", public_id=batch.public_id)
    return _runs_page(request, form, SettlementBudgetForm() if may_create else None)


def _runs_page(request: AuthenticatedRequest, form: SettlementMonthForm | None,
               budget_form: SettlementBudgetForm | None) -> HttpResponse:
    page = Paginator(run_months(actor=request.user), MONTHS_PER_PAGE).get_page(request.GET.get("page"))
    overviews = months_overview(actor=request.user, months=list(page))
    return render(request, "settlements/runs.html", {
        "form": form, "page": page, "months": overviews, "chart_spec": _months_chart(overviews),
        "budget_form": budget_form,
    })


@login_required
@require_POST
def budget_set(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_RUN)
    form = SettlementBudgetForm(request.POST)
    if form.is_valid():
        try:
            settlement_budget_set(actor=request.user, period=form.cleaned_data["month"],
                                  amount_minor=form.amount_minor())
        except ValidationError as error:
            add_service_errors(form, error, {"period": "month", "amount_minor": "amount"})
        else:
            messages.success(request, _("The budget is saved."))
            return redirect("settlements:runs")
    return _runs_page(request, SettlementMonthForm(), form)


@login_required
def batch_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """A month's computation: its progress (htmx polls the status part every 2 s while it runs)
    and, when done, the runs it wrote."""
    require(request.user, roles.SETTLEMENT_RUN)
    batch = _batch_or_404(request, public_id)
    context = {"batch": batch, "batch_runs": batch.runs.select_related("provider").order_by("provider__name")}
    if request.headers.get("HX-Request"):
        return render(request, "settlements/_batch_status.html", {**context, "partial": True})
    return render(request, "settlements/batch_detail.html", context)


@login_required
def run_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    _require_reader(request)
    run = _run_or_404(request, public_id)
    reason = request.GET.get("reason", "")
    if reason not in ReasonCode.values:
        reason = ""
    may_decide = run.status == RunStatus.DRAFT and has_permission(request.user, roles.SETTLEMENT_APPROVE)
    to_decide = Paginator(lines_to_decide(actor=request.user, run=run), 25).get_page(request.GET.get("dpage"))
    overrides = overrides_for_visits(actor=request.user,
                                     visit_ids=[line.visit_id for line in to_decide if line.visit_id])
    decisions = [
        (line, overrides.get(line.visit_id) if line.visit_id else None,
         LineOverrideForm(prefix=f"v{line.visit.public_id}") if may_decide and line.visit is not None else None)
        for line in to_decide
    ]
    lines = lines_of_reason(actor=request.user, run=run, reason=reason or None)
    return render(request, "settlements/run_detail.html", {
        "run": run,
        "totals": totals_by_reason(actor=request.user, run=run),
        "reason": reason,
        "reason_label": ReasonCode(reason).label if reason else "",
        "keep": urlencode({"reason": reason}) if reason else "",
        "page": Paginator(lines, 100).get_page(request.GET.get("page")),
        "decisions": decisions,
        "to_decide": to_decide,
        "may_decide": may_decide,
        "may_approve": run.status == RunStatus.DRAFT and has_permission(request.user, roles.SETTLEMENT_APPROVE),
        "may_export": run.status == RunStatus.APPROVED and has_permission(request.user, roles.SETTLEMENT_APPROVE),
        "may_recompute": has_permission(request.user, roles.SETTLEMENT_RUN),
    })


@login_required
@require_POST
def line_override(request: AuthenticatedRequest, public_id: UUID, visit_id: UUID) -> HttpResponse:
    """Accept or reject a visit of the run; the next computation of the month applies it."""
    require(request.user, roles.SETTLEMENT_APPROVE)
    run = _run_or_404(request, public_id)
    try:
        visit = run_visit_get(actor=request.user, run=run, public_id=visit_id)
    except Visit.DoesNotExist as missing:
        raise Http404(_("No such visit in this run.")) from missing
    form = LineOverrideForm(request.POST, prefix=f"v{visit.public_id}")
    if form.is_valid():
        try:
            line_override_set(actor=request.user, visit=visit, action=form.cleaned_data["action"],
                              reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The decision is saved. Recompute the month to apply it."))
    else:
        for field_errors in form.errors.values():
            for error_text in field_errors:
                messages.error(request, str(error_text))
    return redirect("settlements:run", public_id=run.public_id)


@login_required
@require_POST
def run_recompute(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Compute the run's month again for every provider (a new batch)."""
    require(request.user, roles.SETTLEMENT_RUN)
    run = _run_or_404(request, public_id)
    try:
        batch = _start(request, Period(run.period_start, run.period_end))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("settlements:run", public_id=run.public_id)
    return redirect("settlements:batch", public_id=batch.public_id)


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


@login_required
@require_POST
def run_export(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.SETTLEMENT_APPROVE)
    run = _run_or_404(request, public_id)
    try:
        settlement_run_export(actor=request.user, run=run)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The settlement run is marked as handed to the payment system."))
    return redirect("settlements:run", public_id=run.public_id)


@login_required
@require_POST
def after_calculation_settle_view(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    """Finance settles an after-calculation (linked from its page in pricing): a draft correction
    run per provider, to approve like any run."""
    require(request.user, roles.SETTLEMENT_RUN)
    try:
        after_calculation = after_calculation_get(actor=request.user, public_id=public_id)
    except AfterCalculation.DoesNotExist as missing:
        raise Http404(_("No such after-calculation.")) from missing
    try:
        created = after_calculation_settle(actor=request.user, after_calculation=after_calculation)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("pricing:after_calculation", public_id=after_calculation.public_id)
    messages.success(request, ngettext(
        "%(count)s correction run is drafted: approve it to pay or recover the difference.",
        "%(count)s correction runs are drafted: approve each to pay or recover the difference.",
        len(created)) % {"count": len(created)})
    return redirect("settlements:runs")
