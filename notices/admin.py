from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from notices.models import TEMPLATE_PLACEHOLDERS, NotificationTemplate


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    """HR edits the wording of notices; unknown or malformed placeholders are refused on save."""

    list_display = ("kind", "subject", "updated_at")
    readonly_fields = ("kind", "updated_at", "placeholders")

    @admin.display(description=_("Placeholders"))
    def placeholders(self, obj: NotificationTemplate) -> str:
        return format_html_join(
            "",
            "<div><code>{{{}}}</code> {}</div>",
            ((k, v) for k, v in TEMPLATE_PLACEHOLDERS.items()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: NotificationTemplate, form: Any, change: bool
    ) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
