"""Pricing in the admin: read-only. Cost models are imported, price sheets published and
after-calculations run by pricing.services; a published sheet is never changed."""

from django.contrib import admin

from frivalg.core.admin import ReadOnlyAdmin
from frivalg.pricing.models import AfterCalculation, CostModel, PriceSheet, PriceSheetLine


@admin.register(CostModel)
class CostModelAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "year", "version", "name", "imported_by", "created_at"]
    list_filter = ["municipality", "year"]
    search_fields = ["name", "public_id"]


@admin.register(PriceSheet)
class PriceSheetAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "year", "version", "valid_from", "published_at", "published_by"]
    list_filter = ["municipality", "year"]
    search_fields = ["public_id"]


@admin.register(PriceSheetLine)
class PriceSheetLineAdmin(ReadOnlyAdmin):
    list_display = ["sheet", "service", "time_band", "method", "in_house_price_minor", "private_price_minor"]
    list_filter = ["method"]


@admin.register(AfterCalculation)
class AfterCalculationAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "price_sheet", "actual_cost_model", "direction", "total_minor", "created_at"]
    list_filter = ["municipality", "direction"]
