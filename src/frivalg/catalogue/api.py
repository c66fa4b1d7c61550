"""JSON API for the service catalogue and the rate table (read, CSV/Excel export and import)."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from frivalg.catalogue import selectors, services
from frivalg.catalogue.models import Rate, Service
from frivalg.catalogue.rate_files import (
    XLSX_CONTENT_TYPE,
    rates_csv_response,
    rates_xlsx_response,
    read_rate_csv,
    read_rate_file,
    read_rate_xlsx,
)
from frivalg.catalogue.rules import DEFAULT_SCHEME
from frivalg.catalogue.schemas import (
    RATE_IMPORT_REQUEST_BODY,
    RateFilter,
    RateImportErrorOut,
    RateImportOut,
    RateOut,
    ServiceDesignIn,
    ServiceOut,
    TimeBandsIO,
)
from frivalg.core import roles
from frivalg.core.api import actor_of, error
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.core.selectors import municipality_of, require

router = Router(tags=["Services and rates"])


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="The service catalogue")
@paginate(Pagination)
def service_list(request: HttpRequest) -> Iterable[Service]:
    return selectors.services_for(actor=actor_of(request))


@router.put(
    "/services/{service_id}/design",
    response={200: ServiceOut, **ERRORS},
    summary="Set voucher design (with a cash voucher's monthly amount) and payment basis",
)
def service_design(request: HttpRequest, service_id: UUID, payload: ServiceDesignIn) -> Service:
    """How the service is granted and what its providers are paid for (finance)."""
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    service = selectors.service_get(actor=actor, public_id=service_id)
    return services.service_design_set(
        actor=actor,
        service=service,
        voucher_design=payload.voucher_design,
        payment_basis=payload.payment_basis,
        cash_amount_minor=payload.cash_amount_minor,
    )


@router.get("/time-bands", response={200: TimeBandsIO, **ERRORS}, summary="The municipality's time bands")
def time_bands_get(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    stored = selectors.time_band_scheme_of(actor=actor)
    if stored is None:
        return {
            "day_start": DEFAULT_SCHEME.day_start,
            "day_end": DEFAULT_SCHEME.evening_start,
            "evening_start": DEFAULT_SCHEME.evening_start,
            "evening_end": DEFAULT_SCHEME.night_start,
            "night_start": DEFAULT_SCHEME.night_start,
            "night_end": DEFAULT_SCHEME.day_start,
            "crossing_rule": DEFAULT_SCHEME.crossing_rule,
            "default": True,
        }
    return {
        "day_start": stored.day_start,
        "day_end": stored.day_end,
        "evening_start": stored.evening_start,
        "evening_end": stored.evening_end,
        "night_start": stored.night_start,
        "night_end": stored.night_end,
        "split_weekend": stored.split_weekend,
        "crossing_rule": stored.crossing_rule,
        "extra_days": [
            {"month": e.month, "day": e.day, "name": e.name, "band": e.band} for e in stored.extra_days.all()
        ],
    }


@router.put("/time-bands", response={200: TimeBandsIO, **ERRORS}, summary="Set the municipality's time bands")
def time_bands_put(request: HttpRequest, payload: TimeBandsIO) -> dict[str, Any]:
    """A gap or an overlap between the weekday bands is refused on the field that is off."""
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    municipality = municipality_of(actor)
    if municipality is None:
        raise HttpError(403, _("Only the municipality's staff can set time bands."))
    services.time_band_scheme_set(
        actor=actor,
        municipality=municipality,
        day_start=payload.day_start,
        day_end=payload.day_end,
        evening_start=payload.evening_start,
        evening_end=payload.evening_end,
        night_start=payload.night_start,
        night_end=payload.night_end,
        split_weekend=payload.split_weekend,
        crossing_rule=payload.crossing_rule,
        extra_days=[(e.month, e.day, e.name, e.band) for e in payload.extra_days],
    )
    return time_bands_get(request)


@router.get("/rates", response={200: list[RateOut], **ERRORS}, summary="The rate table (municipal staff)")
@paginate(Pagination)
def rate_list(request: HttpRequest, filters: Query[RateFilter]) -> Iterable[Rate]:
    return selectors.rates_for(actor=actor_of(request), on=filters.on)


@router.get(
    "/rates.csv",
    response={200: None, **ERRORS},
    summary="The whole rate table as CSV (finance)",
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def rate_export(request: HttpRequest) -> HttpResponse:
    """Every rate of the municipality, one row per rate in the columns the import reads
    (service_code, time_band, area, provider_kind, unit, price, valid_from, valid_to)."""
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    return rates_csv_response(selectors.rate_table_rows(actor=actor))


@router.get(
    "/rates.xlsx",
    response={200: None, **ERRORS},
    summary="The whole rate table as an Excel workbook (finance)",
    openapi_extra={
        "responses": {200: {"content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
    },
)
def rate_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The same rows and columns as rates.csv in one sheet, prices as numbers and dates as dates;
    the import reads it back unchanged."""
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    return rates_xlsx_response(selectors.rate_table_rows(actor=actor))


@router.post(
    "/rates/import",
    response={**ERRORS, 200: RateImportOut, 422: RateImportErrorOut},
    summary="Import rates from CSV or Excel (finance)",
    openapi_extra={"requestBody": RATE_IMPORT_REQUEST_BODY},
)
def rate_import(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """Each valid row becomes a dated rate (an open-ended earlier one is closed); every rejected
    row comes back with its row number, field and reason. 200 when at least one row was stored,
    422 when none could be."""
    actor = actor_of(request)
    require(actor, roles.RATE_MANAGE)
    municipality = municipality_of(actor)
    if municipality is None:
        raise HttpError(403, _("Only the municipality's staff can set rates."))
    content_type = request.content_type or ""
    if content_type in {"text/csv", "application/csv", "text/plain"}:
        rows = read_rate_csv(request.body)
    elif content_type == XLSX_CONTENT_TYPE:
        rows = read_rate_xlsx(request.body)
    elif content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": _("Upload the CSV or Excel file in the field `file`.")})
        rows = read_rate_file(upload.read(), filename=upload.name or "")
    else:
        raise HttpError(415, _("Send the rates as text/csv, an .xlsx workbook or a multipart/form-data file."))
    result = services.rates_import(actor=actor, municipality=municipality, rows=rows)
    body = {
        "created": result.created,
        "rejected_rows": result.rejected_rows,
        "rejected": [
            {"row": r.row, "field": r.field, "reason": r.reason, "data": dict(r.data)} for r in result.rejected
        ],
    }
    if result.created:
        return 200, body
    if not rows:
        body["detail"] = [error(_("There are no rows to import."), "empty", "rows")]
    else:
        body["detail"] = [
            error(
                _("Row %(row)s: %(reason)s") % {"row": r.row, "reason": r.reason},
                "rejected",
                f"rows.{r.row - 1}.{r.field}",
            )
            for r in result.rejected
        ]
    return 422, body
