from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from trainees.models import Organisation, User
from trainees.resources import OrganisationResource
from trainees.roles import Role


@admin.register(Organisation)
class OrganisationAdmin(ImportExportModelAdmin):
    resource_classes = [OrganisationResource]
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
