"""Settlement runs in the admin: read-only. Runs are created, approved and exported by
settlements.services; settled lines are never changed."""

from django.contrib import admin

from frivalg.core.admin import ReadOnlyAdmin
from frivalg.settlements.models import SettlementLine, SettlementRun


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin):
    list_display = [
        "provider",
        "municipality",
        "period_start",
        "period_end",
        "status",
        "line_count",
        "total_minor",
        "currency",
    ]
    list_filter = ["municipality", "status"]
    search_fields = ["provider__name", "public_id"]
    date_hierarchy = "period_start"


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    list_display = [
        "run",
        "service",
        "time_band",
        "planned_minutes",
        "performed_minutes",
        "payable_minutes",
        "unit_price_minor",
        "amount_minor",
        "reason_code",
    ]
    list_filter = ["reason_code", "time_band"]
    list_select_related = ["run__provider", "service"]
    raw_id_fields = ["run", "visit", "decision", "citizen", "service"]
