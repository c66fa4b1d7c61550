"""JSON API for published price sheets: the list and one sheet with every step. Published sheets
are public documents, so every authenticated caller may read every municipality's."""

from collections.abc import Iterable
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from frivalg.core.api import actor_of
from frivalg.core.schemas import ERRORS, Pagination
from frivalg.pricing import selectors
from frivalg.pricing.models import PriceSheet
from frivalg.pricing.schemas import PriceSheetDetailOut, PriceSheetOut

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
