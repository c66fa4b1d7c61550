"""Catalogue in the admin: read-only. Services, rates and time bands are set through
catalogue.services (which validate FSIII codes, refuse overlapping or settled rates and gaps
between time bands), FSIII is loaded from KL's file."""

from django.contrib import admin

from frivalg.catalogue.models import ExtraDay, FsiiiConcept, Rate, Service, TimeBandScheme
from frivalg.core.admin import ReadOnlyAdmin, ReadOnlyInline


class RateInline(ReadOnlyInline):
    model = Rate
    fields = [
        "time_band",
        "area",
        "provider_kind",
        "unit",
        "amount_minor",
        "valid_from",
        "valid_to",
        "settled_through",
    ]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "municipality",
        "care_level",
        "fsiii_code",
        "unit",
        "voucher_design",
        "cash_amount_minor",
        "payment_basis",
        "active",
    ]
    list_filter = ["municipality", "care_level", "unit", "voucher_design", "payment_basis", "active"]
    search_fields = ["code", "name", "fsiii_code"]
    inlines = [RateInline]


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = [
        "service",
        "time_band",
        "area",
        "provider_kind",
        "unit",
        "amount_minor",
        "valid_from",
        "valid_to",
        "settled_through",
    ]
    list_filter = ["municipality", "time_band", "area", "provider_kind", "unit"]
    search_fields = ["service__code", "service__name"]


@admin.register(FsiiiConcept)
class FsiiiConceptAdmin(ReadOnlyAdmin):
    list_display = ["code", "display", "group", "version"]
    list_filter = ["group", "version"]
    search_fields = ["code", "display"]


class ExtraDayInline(ReadOnlyInline):
    model = ExtraDay
    fields = ["month", "day", "name", "band"]


@admin.register(TimeBandScheme)
class TimeBandSchemeAdmin(ReadOnlyAdmin):
    list_display = ["municipality", "day_start", "evening_start", "night_start", "split_weekend", "crossing_rule"]
    inlines = [ExtraDayInline]
