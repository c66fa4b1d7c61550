"""The Django admin is an inspection tool for platform operators, not a way around the services:
writes that the loop depends on go through services (which check access and write the audit
trail), so domain records are shown read-only here. Only tenancy set-up (municipalities,
districts) and logins are edited in the admin; the audit trail can never be changed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from frivalg.core.models import ApiToken, AuditEvent, Citizen, District, Municipality, PowerOfAttorney, User


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DistrictInline(admin.TabularInline):  # type: ignore[type-arg]
    model = District
    extra = 0
    fields = ["code", "name", "kind"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "country", "currency", "time_zone", "language"]
    list_filter = ["country"]
    search_fields = ["name", "code"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [DistrictInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code", "kind", "municipality"]
    list_filter = ["municipality", "kind"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class FrivalgUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "first_name", "last_name", "municipality", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "municipality"]
    readonly_fields = ["public_id", "last_login", "date_joined"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        (_("frivalg"), {"fields": ("public_id", "municipality", "language")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Citizen)
class CitizenAdmin(ReadOnlyAdmin):
    """Pseudonymous view: the national id number and contact details are not shown here."""

    list_display = ["public_id", "municipality", "district", "language", "created_at"]
    list_filter = ["municipality"]
    search_fields = ["public_id"]
    fields = [
        "public_id",
        "municipality",
        "district",
        "language",
        "caseworker",
        "user",
        "created_at",
        "updated_at",
    ]


@admin.register(PowerOfAttorney)
class PowerOfAttorneyAdmin(ReadOnlyAdmin):
    list_display = ["citizen", "attorney", "relation", "valid_from", "valid_to"]
    list_filter = ["municipality"]
    fields = ["municipality", "citizen", "attorney", "relation", "valid_from", "valid_to"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    exclude = ["key_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: written by services, never added, changed or deleted by anyone."""

    list_display = ["created_at", "actor_label", "action", "object_type", "object_id", "municipality"]
    list_filter = ["action", "object_type", "municipality"]
    search_fields = ["object_id", "actor_label", "action"]
    date_hierarchy = "created_at"
    fields = (
        "public_id",
        "created_at",
        "municipality",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "payload",
    )
    readonly_fields = fields

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}
