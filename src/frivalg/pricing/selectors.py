"""Reads of cost models, price sheets and after-calculations. Cost models and after-calculations
are the finance staff's working material, scoped to their municipality; a published price sheet
is public (anyone, without login, may read and recompute it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from frivalg.core import roles
from frivalg.core.models import Municipality
from frivalg.core.selectors import AnyUser, has_permission, municipality_of
from frivalg.pricing import rules
from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet, PriceSheetLine


def _finance_municipality(actor: AnyUser) -> Municipality | None:
    municipality = municipality_of(actor)
    if municipality is None:
        return None
    if not has_permission(actor, roles.RATE_MANAGE):
        return None
    return municipality


def cost_models_for(*, actor: AnyUser) -> QuerySet[CostModel]:
    municipality = _finance_municipality(actor)
    if municipality is None:
        return CostModel.objects.none()
    return CostModel.objects.filter(municipality=municipality).select_related("imported_by")


def cost_model_get(*, actor: AnyUser, public_id: UUID | str) -> CostModel:
    """One cost model; CostModel.DoesNotExist when the actor may not see it."""
    return cost_models_for(actor=actor).get(public_id=public_id)


def price_sheets_published(*, municipality: Municipality | None = None) -> QuerySet[PriceSheet]:
    """Every published sheet (public), newest first; optionally one municipality's."""
    sheets = PriceSheet.objects.select_related("municipality")
    if municipality is not None:
        sheets = sheets.filter(municipality=municipality)
    return sheets.order_by("municipality__name", "-year", "-version")


def price_sheet_published_get(*, public_id: UUID | str) -> PriceSheet:
    """One published sheet; PriceSheet.DoesNotExist when there is none."""
    return price_sheets_published().get(public_id=public_id)


def price_sheet_lines(*, sheet: PriceSheet) -> QuerySet[PriceSheetLine]:
    return PriceSheetLine.objects.filter(sheet=sheet).order_by("service", "time_band")


def price_sheet_versions(*, sheet: PriceSheet) -> QuerySet[PriceSheet]:
    """Every published version of the same municipality and year, newest first."""
    return PriceSheet.objects.filter(municipality_id=sheet.municipality_id, year=sheet.year).order_by("-version")


def after_calculations_for(*, actor: AnyUser) -> QuerySet[AfterCalculation]:
    municipality = _finance_municipality(actor)
    if municipality is None:
        return AfterCalculation.objects.none()
    return AfterCalculation.objects.filter(municipality=municipality).select_related(
        "price_sheet", "actual_cost_model", "created_by"
    )


def after_calculation_get(*, actor: AnyUser, public_id: UUID | str) -> AfterCalculation:
    """One after-calculation; AfterCalculation.DoesNotExist when the actor may not see it."""
    return after_calculations_for(actor=actor).get(public_id=public_id)


def cost_model_sheet(*, cost_model: CostModel) -> dict[str, Any]:
    """The price sheet a stored cost model would publish, with every step (a preview)."""
    return rules.sheet_to_dict(rules.calculate_document(cost_model.document))


@dataclass(frozen=True)
class ComparisonRow:
    service: str
    time_band: str
    currency: str
    spread: rules.PriceSpread


def price_comparison(*, year: int | None = None) -> list[ComparisonRow]:
    """Public: the latest published in-house price of every municipality, side by side per
    service, time band and currency (prices in different currencies are never compared)."""
    latest: dict[int, PriceSheet] = {}
    sheets = PriceSheet.objects.select_related("municipality").order_by("municipality_id", "-year", "-version")
    if year is not None:
        sheets = sheets.filter(year=year)
    for sheet in sheets:
        latest.setdefault(sheet.municipality_id, sheet)
    groups: dict[tuple[str, str, str], list[rules.PricePoint]] = {}
    lines = PriceSheetLine.objects.filter(sheet__in=[s.pk for s in latest.values()]).select_related(
        "sheet__municipality"
    )
    for line in lines:
        key = (line.service, line.time_band, line.sheet.currency)
        groups.setdefault(key, []).append(
            rules.PricePoint(label=line.sheet.municipality.name, ref=str(line.sheet.public_id),
                             price=Decimal(line.in_house_price_minor) / 100)
        )
    return [
        ComparisonRow(service, band, currency, rules.price_spread(points))
        for (service, band, currency), points in sorted(groups.items())
    ]
