"""Pricing pages: finance imports cost models, sees their warnings and the sheet they would give,
and publishes it; anyone (no login) reads the published price sheets with every step."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import has_permission, municipality_of, require
from frivalg.core.views import AuthenticatedRequest
from frivalg.pricing.forms import AfterCalculationForm, CostModelImportForm, PublishForm
from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet
from frivalg.pricing.printing import sheet_pdf
from frivalg.pricing.rules import Direction
from frivalg.pricing.selectors import (
    ComparisonRow,
    after_calculation_get,
    after_calculation_lines,
    after_calculation_per_provider,
    after_calculations_for,
    cost_model_get,
    cost_model_sheet,
    cost_models_for,
    price_comparison,
    price_sheet_published_get,
    price_sheet_versions,
    price_sheets_published,
)
from frivalg.pricing.services import after_calculation_run, cost_model_import, price_sheet_publish


def _cost_model_or_404(request: AuthenticatedRequest, public_id: UUID) -> CostModel:
    try:
        return cost_model_get(actor=request.user, public_id=public_id)
    except CostModel.DoesNotExist as missing:
        raise Http404(_("No such cost model.")) from missing


@login_required
def cost_models(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    municipality = municipality_of(request.user)
    if municipality is None:
        raise PermissionDenied(roles.RATE_MANAGE.description)
    form = CostModelImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            model = cost_model_import(actor=request.user, municipality=municipality,
                                      document=form.cleaned_data["document"], name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error, {"document": "__all__"})
        else:
            messages.success(request, _("Cost model %(year)s version %(version)s is imported.") % {
                "year": model.year, "version": model.version})
            return redirect("pricing:cost_model", public_id=model.public_id)
    return render(request, "pricing/cost_models.html", {
        "form": form, "cost_models": cost_models_for(actor=request.user),
    })


@login_required
def cost_model_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    model = _cost_model_or_404(request, public_id)
    return render(request, "pricing/cost_model_detail.html", {
        "model": model, "sheet": cost_model_sheet(cost_model=model), "form": PublishForm(),
    })


@login_required
@require_POST
def cost_model_publish(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    model = _cost_model_or_404(request, public_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            sheet = price_sheet_publish(actor=request.user, cost_model=model,
                                        valid_from=form.cleaned_data["valid_from"],
                                        update_catalogue=form.cleaned_data["update_catalogue"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Price sheet %(year)s version %(version)s is published.") % {
                "year": sheet.year, "version": sheet.version})
            return redirect("pricing:sheet", public_id=sheet.public_id)
    return render(request, "pricing/cost_model_detail.html", {
        "model": model, "sheet": cost_model_sheet(cost_model=model), "form": form,
    })


@login_required
def after_calculations(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    municipality = municipality_of(request.user)
    if municipality is None:
        raise PermissionDenied(roles.RATE_MANAGE.description)
    form = AfterCalculationForm(request.POST or None, request.FILES or None,
                                sheets=price_sheets_published(municipality=municipality),
                                cost_models=cost_models_for(actor=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            run = after_calculation_run(
                actor=request.user,
                price_sheet=form.cleaned_data["price_sheet"],
                actual_cost_model=form.cleaned_data["actual_cost_model"],
                deliveries=form.cleaned_data["deliveries"],
                direction=Direction(form.cleaned_data["direction"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The after-calculation is done."))
            return redirect("pricing:after_calculation", public_id=run.public_id)
    return render(request, "pricing/after_calculations.html", {
        "form": form, "runs": after_calculations_for(actor=request.user),
    })


@login_required
def after_calculation_detail(request: AuthenticatedRequest, public_id: UUID) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    try:
        run = after_calculation_get(actor=request.user, public_id=public_id)
    except AfterCalculation.DoesNotExist as missing:
        raise Http404(_("No such after-calculation.")) from missing
    return render(request, "pricing/after_calculation_detail.html", {
        "run": run, "lines": after_calculation_lines(run=run), "per_provider": after_calculation_per_provider(run=run),
        "settled_runs": run.settlement_runs.select_related("provider").order_by("provider__name"),
        "may_settle": has_permission(request.user, roles.SETTLEMENT_RUN),
    })


def sheets(request: HttpRequest) -> HttpResponse:
    """Public: every published price sheet."""
    return render(request, "pricing/sheets.html", {"sheets": price_sheets_published()})


def _comparison_key(row: ComparisonRow) -> str:
    return f"{row.service}:{row.time_band}:{row.currency}"


def _comparison_chart(row: ComparisonRow) -> dict[str, Any]:
    """A Vega-Lite spec (built with Altair) of one group: per municipality the in-house price and,
    where the sheet has one, the private provider's price; outliers labelled. The positions are
    floats for drawing only; the exact prices, localised as in the table, are in the tooltips."""
    import altair as alt  # imported when used: only the comparison page draws a chart

    in_house, private, outlier = _("In-house price"), _("Private provider's price"), _("Outlier")
    values: list[dict[str, Any]] = []
    for point in row.spread.points:
        flag = outlier if point.ref in row.spread.outliers else ""
        values.append({"municipality": point.label, "kind": in_house, "price": float(point.price),
                       "exact": localize(point.price), "outlier": flag})
        if point.private_price is not None:
            values.append({"municipality": point.label, "kind": private, "price": float(point.private_price),
                           "exact": localize(point.private_price), "outlier": ""})
    municipality_title, price_title = _("Municipality"), _("Price per hour (%(currency)s)") % {
        "currency": row.currency}
    order = [point.label for point in row.spread.points]
    y = alt.Y("municipality:N", sort=order, title=municipality_title)
    x = alt.X("price:Q", title=price_title)
    bars = alt.Chart().mark_bar(aria=False).encode(
        y=y, x=x, yOffset=alt.YOffset("kind:N", sort=[in_house, private]),
        color=alt.Color("kind:N", title=_("Price"), sort=[in_house, private],
                        scale=alt.Scale(domain=[in_house, private], range=["#0059b3", "#747474"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("municipality:N", title=municipality_title), alt.Tooltip("kind:N", title=_("Price")),
                 alt.Tooltip("exact:N", title=price_title)],
    )
    marks = alt.Chart().mark_text(align="left", dx=6, fontWeight="bold", color="#b51d09", aria=False).encode(
        y=y, x=x, text="outlier:N",
    ).transform_filter(alt.datum.outlier != "")
    median = alt.Chart().mark_rule(strokeDash=[4, 4], color="#1a1a1a", aria=False).encode(
        x=alt.datum(float(row.spread.median)),
    )
    chart = alt.layer(bars, marks, median, data=alt.InlineData(values=values)).properties(
        width="container", height=alt.Step(18),
    ).configure(aria=False)  # the figure is one image described by its caption; the table has the figures
    spec: dict[str, Any] = chart.to_dict()
    return spec


def comparison(request: HttpRequest) -> HttpResponse:
    """Public: municipalities' in-house prices side by side, with spread and outliers, the private
    providers' prices beside them, and a chart of one service and time band (`?chart=`)."""
    year_text = request.GET.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and 1900 <= int(year_text) <= 2999 else None
    rows = price_comparison(year=year)
    choices = [(_comparison_key(row), row) for row in rows]
    wanted = request.GET.get("chart", "")
    selected = next((row for key, row in choices if key == wanted), rows[0] if rows else None)
    return render(request, "pricing/comparison.html", {
        "rows": rows, "year": year, "choices": choices,
        "selected_key": _comparison_key(selected) if selected else "",
        "selected": selected, "chart_spec": _comparison_chart(selected) if selected else None,
    })


def _published_or_404(public_id: UUID) -> PriceSheet:
    try:
        return price_sheet_published_get(public_id=public_id)
    except PriceSheet.DoesNotExist as missing:
        raise Http404(_("No such price sheet.")) from missing


def sheet_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Public: one published sheet with every step, and its other versions."""
    sheet = _published_or_404(public_id)
    return render(request, "pricing/sheet_detail.html", {
        "price_sheet": sheet, "sheet": sheet.content, "versions": price_sheet_versions(sheet=sheet),
    })


def sheet_json(request: HttpRequest, public_id: UUID) -> JsonResponse:
    """Public: one published sheet as JSON, exactly as calculated (numbers as exact text)."""
    sheet = _published_or_404(public_id)
    response = JsonResponse({
        "id": str(sheet.public_id), "version": sheet.version, "valid_from": sheet.valid_from.isoformat(),
        "published_at": sheet.published_at.isoformat(), **sheet.content,
    }, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="price-sheet-{sheet.year}-v{sheet.version}.json"'
    return response


def sheet_pdf_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Public: one published sheet as PDF, every step included."""
    sheet = _published_or_404(public_id)
    pdf = sheet_pdf(sheet.content, version=sheet.version, valid_from=sheet.valid_from.isoformat())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="price-sheet-{sheet.year}-v{sheet.version}.pdf"'
    return response
