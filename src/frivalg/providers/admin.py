"""Providers in the admin: read-only. Registration, approval decisions and people go through
providers.services, which check access and write the audit trail."""

from django.contrib import admin

from frivalg.core.admin import ReadOnlyAdmin, ReadOnlyInline
from frivalg.providers.models import Approval, Provider, StaffMember


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ["municipality", "service", "status", "capacity", "valid_from", "valid_to"]


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "org_number", "owner_municipality"]
    list_filter = ["kind"]
    search_fields = ["name", "org_number"]
    inlines = [ApprovalInline]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["provider", "service", "municipality", "status", "valid_from", "valid_to", "capacity"]
    list_filter = ["municipality", "status"]
    search_fields = ["provider__name", "service__code"]


@admin.register(StaffMember)
class StaffMemberAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym", "provider", "role", "active"]
    list_filter = ["role", "active", "provider"]
    search_fields = ["pseudonym", "provider__name"]
