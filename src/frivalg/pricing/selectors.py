"""Reads of cost models, price sheets and after-calculations. Cost models and after-calculations
are the finance staff's working material, scoped to their municipality; a published price sheet
is public (anyone, without login, may read and recompute it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import QuerySet, Sum

from frivalg.catalogue.rules import public_holidays, time_band_for
from frivalg.catalogue.selectors import time_band_scheme_for
from frivalg.core import roles
from frivalg.core.models import Municipality
from frivalg.core.periods import Period
from frivalg.core.selectors import AnyUser, has_permission, municipality_of
from frivalg.pricing import rules
from frivalg.pricing.models import AfterCalculation, AfterCalculationLine, CostModel, PriceSheet, PriceSheetLine
from frivalg.visits.models import Visit, VisitStatus


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


def _from_minor(amount_minor: int) -> Decimal:
    """øre/öre to an amount with two decimals (100000 → 1000.00, not 1000)."""
    return Decimal(amount_minor).scaleb(-2)


def price_comparison(*, year: int | None = None) -> list[ComparisonRow]:
    """Public: the latest published in-house price of every municipality, side by side per
    service, time band and currency (prices in different currencies are never compared), each with
    the private provider's price of the same sheet when it has one."""
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
                             price=_from_minor(line.in_house_price_minor),
                             private_price=None if line.private_price_minor is None
                             else _from_minor(line.private_price_minor))
        )
    return [
        ComparisonRow(service, band, currency, rules.price_spread(points))
        for (service, band, currency), points in sorted(groups.items())
    ]


# ---------------------------------------------------------------------------------------------
# Delivered hours for the after-calculation


@dataclass(frozen=True)
class DeliveredHours:
    """The year's verified hours per provider, service and time band (`deliveries`, providers by
    public id), and how many completed visits were left out because they were not verified."""

    deliveries: tuple[rules.Delivery, ...]
    visits: int
    unverified: int


HOURS_ROUNDING = "minutes summed per provider, service and band, then ÷ 60 rounded ROUND_HALF_UP to 0.01 h"


def delivered_hours(*, municipality: Municipality, year: int) -> DeliveredHours:
    """Verified performed time (checked in and out, status done) of the municipality's visits that
    started in `year` (local time), per provider, service code and the time band of the check-in
    by the municipality's scheme. Unscoped: callers are finance services that have checked the
    actor; no personal data leaves (sums per provider only)."""
    period = Period(date(year, 1, 1), date(year + 1, 1, 1))
    start, end = period.local_bounds(municipality.time_zone)
    tz = ZoneInfo(municipality.time_zone)
    holidays = public_holidays(municipality.country, range(year, year + 2))
    scheme = time_band_scheme_for(municipality_id=municipality.pk)
    minutes: dict[tuple[str, bool, str, str], int] = defaultdict(int)
    visits = unverified = 0
    rows = (
        Visit.objects.filter(municipality=municipality, status=VisitStatus.DONE,
                             planned_start__gte=start, planned_start__lt=end)
        .order_by("pk")
        .values_list("provider__public_id", "provider__kind", "service__code", "actual_start", "actual_end")
    )
    for provider_id, kind, service, actual_start, actual_end in rows.iterator(chunk_size=5000):
        visits += 1
        if actual_start is None or actual_end is None or actual_end <= actual_start:
            unverified += 1
            continue
        band = time_band_for(actual_start.astimezone(tz), holidays, scheme)
        whole = int((actual_end - actual_start).total_seconds() // 60)
        minutes[(str(provider_id), kind != "in_house", service, band)] += whole
    deliveries = tuple(
        rules.Delivery(provider, private, service, band,
                       (Decimal(total) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for (provider, private, service, band), total in sorted(minutes.items())
    )
    return DeliveredHours(deliveries, visits, unverified)


def after_calculation_lines(*, run: AfterCalculation) -> QuerySet[AfterCalculationLine]:
    return run.lines.select_related("provider").order_by("provider__name", "service", "time_band")


def after_calculation_per_provider(*, run: AfterCalculation) -> list[dict[str, Any]]:
    """Each provider's hours and total to settle (what its settlement correction pays or recovers)."""
    return list(run.lines.values("provider__public_id", "provider__name")
                .annotate(hours=Sum("hours"), settled=Sum("settled_minor")).order_by("provider__name"))
