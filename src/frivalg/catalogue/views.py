"""Finance's rate table: the prices in force today per service, time band, area and provider
kind; the whole table as CSV or Excel and an import of either with every rejected row explained; the
municipality's time bands; and the catalogue's voucher designs and payment bases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frivalg.catalogue.forms import (
    RateImportForm,
    RatesOnForm,
    ServiceDesignForm,
    TimeBandSchemeForm,
    scheme_initial,
)
from frivalg.catalogue.rate_files import rates_csv_response, rates_xlsx_response, read_rate_file
from frivalg.catalogue.selectors import (
    rate_table_rows,
    rates_for,
    services_for,
    time_band_scheme_of,
)
from frivalg.catalogue.services import (
    RateImportResult,
    rates_import,
    service_design_set,
    time_band_scheme_set,
)
from frivalg.core import roles
from frivalg.core.forms import add_service_errors
from frivalg.core.selectors import municipality_of, require
from frivalg.core.views import AuthenticatedRequest


@login_required
@require_http_methods(["GET", "POST"])
def rates(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    on_form = RatesOnForm(request.GET or None)
    today = on_form.cleaned_data["on"] if on_form.is_valid() and on_form.cleaned_data["on"] else timezone.localdate()
    municipality = municipality_of(request.user)
    form = RateImportForm(request.POST or None, request.FILES or None)
    result: RateImportResult | None = None
    if request.method == "POST" and form.is_valid() and municipality is not None:
        try:
            upload = form.cleaned_data["file"]
            rows = read_rate_file(upload.read(), filename=upload.name)
            result = rates_import(actor=request.user, municipality=municipality, rows=rows)
        except ValidationError as error:
            add_service_errors(form, error)
    return render(request, "catalogue/rates.html", {
        "rates": rates_for(actor=request.user, on=today).order_by(
            "service__name", "time_band", "area", "provider_kind"
        ),
        "today": today,
        "currency": municipality.currency if municipality else "DKK",
        "form": form,
        "on_form": on_form,
        "result": result,
    })


@login_required
def rates_export(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    return rates_csv_response(rate_table_rows(actor=request.user))


@login_required
def rates_export_xlsx(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    return rates_xlsx_response(rate_table_rows(actor=request.user))


@login_required
@require_http_methods(["GET", "POST"])
def time_bands(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    municipality = municipality_of(request.user)
    stored = time_band_scheme_of(actor=request.user)
    form = TimeBandSchemeForm(request.POST or None, initial=scheme_initial(stored) if stored else None)
    if request.method == "POST" and form.is_valid() and municipality is not None:
        try:
            time_band_scheme_set(actor=request.user, municipality=municipality, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The time bands are saved. Settlement runs from now on use them."))
            return redirect("catalogue:time_bands")
    return render(request, "catalogue/time_bands.html", {
        "form": form,
        "stored": stored,
        "country": municipality.country if municipality else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def services(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, roles.RATE_MANAGE)
    catalogue = services_for(actor=request.user).order_by("care_level", "code")
    form = ServiceDesignForm(request.POST or None, services=catalogue)
    if request.method == "POST" and form.is_valid():
        try:
            service_design_set(actor=request.user, **form.design())
        except ValidationError as error:
            add_service_errors(form, error, {"cash_amount_minor": "cash_amount"})
        else:
            messages.success(request, _("The voucher design and payment basis are saved."))
            return redirect("catalogue:services")
    return render(request, "catalogue/services.html", {"services": catalogue, "form": form})
