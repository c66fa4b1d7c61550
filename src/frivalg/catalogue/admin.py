"""Catalogue in the admin: read-only. Services and rates are set through catalogue.services
(which validate FSIII codes and close earlier rates), FSIII is loaded from KL's file."""

from django.contrib import admin

from frivalg.catalogue.models import FsiiiConcept, Rate, Service
from frivalg.core.admin import ReadOnlyAdmin, ReadOnlyInline


class RateInline(ReadOnlyInline):
    model = Rate
    fields = ["time_band", "provider_kind", "amount_minor", "valid_from", "valid_to"]


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
        "active",
    ]
    list_filter = ["municipality", "care_level", "unit", "voucher_design", "active"]
    search_fields = ["code", "name", "fsiii_code"]
    inlines = [RateInline]


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = ["service", "time_band", "provider_kind", "amount_minor", "valid_from", "valid_to"]
    list_filter = ["municipality", "time_band", "provider_kind"]
    search_fields = ["service__code", "service__name"]


@admin.register(FsiiiConcept)
class FsiiiConceptAdmin(ReadOnlyAdmin):
    list_display = ["code", "display", "group", "version"]
    list_filter = ["group", "version"]
    search_fields = ["code", "display"]
