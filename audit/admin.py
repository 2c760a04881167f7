from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AccessLog, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit trail is append-only: the admin only shows it (to those with view rights)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "username", "method", "path", "status_code", "duration_ms")
    list_filter = ("method", "status_code")
    search_fields = ("username", "path", "request_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "username", "login_id", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username", "login_id", "request_id")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
