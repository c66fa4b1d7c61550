"""JSON API for published price sheets (the list and one sheet with every step; public documents,
so every authenticated caller may read every municipality's) and for after-calculations (finance
staff of the municipality only: what each provider is to be paid or pay back)."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.core.api import actor_of
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.pricing import selectors
from frivalg.pricing.models import AfterCalculation, PriceSheet
from frivalg.pricing.schemas import AfterCalculationDetailOut, AfterCalculationOut, PriceSheetDetailOut, PriceSheetOut

router = Router(tags=["Pricing"])


@router.get("/price-sheets", response={200: list[PriceSheetOut], **ERRORS}, summary="Published price sheets")
@paginate(Pagination)
def price_sheet_list(request: HttpRequest) -> Iterable[PriceSheet]:
    actor_of(request)
    return selectors.price_sheets_published()


@router.get("/price-sheets/{sheet_id}", response={200: PriceSheetDetailOut, **ERRORS}, url_name="price_sheet_detail",
            summary="One published price sheet with every step")
def price_sheet_detail(request: HttpRequest, sheet_id: UUID) -> PriceSheet:
    actor_of(request)
    return selectors.price_sheet_published_get(public_id=sheet_id)


@router.get("/after-calculations", response={200: list[AfterCalculationOut], **ERRORS},
            summary="After-calculations of the caller's municipality (finance staff)")
@paginate(Pagination)
def after_calculation_list(request: HttpRequest) -> Iterable[AfterCalculation]:
    return selectors.after_calculations_for(actor=actor_of(request))


@router.get("/after-calculations/{after_calculation_id}", response={200: AfterCalculationDetailOut, **ERRORS},
            url_name="after_calculation_detail", summary="One after-calculation with each provider's lines")
def after_calculation_detail(request: HttpRequest, after_calculation_id: UUID) -> AfterCalculation:
    return selectors.after_calculation_get(actor=actor_of(request), public_id=after_calculation_id)
