from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats import base_formats

from trainees.models import Organisation, RosterImport, Trainee, User
from trainees.resources import OrganisationResource, TraineeResource
from trainees.roles import Role
from trainees.xlsx import GuardedXLSX, XlsxRefused


@admin.register(Organisation)
class OrganisationAdmin(ImportExportModelAdmin):
    resource_classes = [OrganisationResource]
    # XLSX read through the size and dimension checks (trainees/xlsx.py).
    formats = [base_formats.CSV, GuardedXLSX]

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        """Say why a file was refused (import-export names only the exception's type)."""
        if isinstance(e, XlsxRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    list_display = ("code", "name", "parent", "is_external", "is_active")
    list_filter = ("is_external", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    filter_horizontal = ("groups", "user_permissions", "coordinated_organisations")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "language")}),
        (_("Roles"), {"fields": ("is_active", "groups", "coordinated_organisations")}),
        (
            _("Technical permissions"),
            {"classes": ("collapse",), "fields": ("is_staff", "is_superuser", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly = ("last_login", "date_joined")
        if not request.user.is_superuser:
            # Only a superuser hands out technical rights; HR assigns roles through groups.
            readonly += ("is_staff", "is_superuser", "user_permissions")
        return readonly

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "groups" and not request.user.is_superuser:
            # Separation of duties: HR cannot make anyone (themselves included) an auditor.
            kwargs["queryset"] = db_field.remote_field.model.objects.exclude(
                name=Role.AUDITOR.value
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(Trainee)
class TraineeAdmin(ExportMixin, admin.ModelAdmin):
    """The registry, read-only here: it changes through the roster import, which previews,
    records who changed what, and keeps accounts in step. Export formats come from
    django-import-export."""

    resource_classes = [TraineeResource]
    list_display = (
        "staff_number",
        "name",
        "organisation",
        "employment_type",
        "status",
        "portal_link",
    )
    list_filter = ("status", "employment_type", "is_external")
    search_fields = ("staff_number", "name", "name_kana", "email")
    list_select_related = ("organisation",)
    readonly_fields = [f.name for f in Trainee._meta.fields if f.name != "id"]
    exclude = ("search_text",)

    @admin.display(description=_("Portal"))
    def portal_link(self, obj: Trainee) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("trainee_detail", args=[obj.pk]), _("history")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = (
        "uploaded_at",
        "file_name",
        "mode",
        "status",
        "rows",
        "created",
        "updated",
        "deactivated",
    )
    list_filter = ("status", "mode")
    exclude = ("plan",)
    readonly_fields = [f.name for f in RosterImport._meta.fields if f.name not in {"id", "plan"}]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
