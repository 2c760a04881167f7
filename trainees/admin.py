from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats import base_formats

from audit.models import AuditEventKind
from audit.services import audit_event_record
from lib.xlsx import GuardedXLSX, XlsxRefused
from trainees.audit_kinds import TraineesEventKind
from trainees.models import Organisation, RosterImport, Trainee, User
from trainees.resources import OrganisationResource, TraineeResource
from trainees.roles import ONLY_SUPERUSERS_GRANT, PROTECTED_ROLES, protected_from


def require_recent_password(request: HttpRequest) -> None:
    """A change to someone's roles, account or authenticator is about to be saved: the
    password again first (allauth's re-authentication; ADMIN_REAUTHENTICATION). allauth's
    middleware keeps the posted form and sends it again once the password is given, so the
    change is not lost on the way."""
    if settings.ADMIN_REAUTHENTICATION:
        raise_if_reauthentication_required(request, app="kenshu.admin")


@admin.register(Organisation)
class OrganisationAdmin(ImportExportModelAdmin):
    resource_classes = [OrganisationResource]
    # XLSX read through the size and dimension checks (lib/xlsx.py).
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
        readonly: tuple[str, ...] = ("last_login", "date_joined")
        if not request.user.is_superuser:
            # Only a superuser hands out technical rights; HR assigns roles through groups.
            readonly += ("is_staff", "is_superuser", "user_permissions")
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """HR may not change another HR administrator's or an auditor's account — their
        e-mail, password, roles (separation of duties: that needs a superuser). They can still
        see it."""
        if obj is not None and protected_from(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups" and not request.user.is_superuser:
            # Separation of duties: HR cannot make anyone (themselves included) an auditor.
            kwargs["queryset"] = db_field.remote_field.model.objects.exclude(
                name__in=ONLY_SUPERUSERS_GRANT
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:  # fmt: skip
        """Roles, e-mail and being active are saved from this form (and new accounts
        created): the password again first. Looking at the form asks nothing."""
        if request.method == "POST":
            require_recent_password(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).first() if change else None
        self._before = (
            (before.email, before.is_active, set(before.groups.values_list("name", flat=True)))
            if before is not None
            else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = getattr(self, "_before", None)
        email, active, groups = before if before is not None else ("", True, set())
        if not request.user.is_superuser:
            # Roles the form does not offer (the auditor role) survive HR's save.
            kept = {name for name in groups if name in ONLY_SUPERUSERS_GRANT}
            if kept:
                user.groups.add(*Group.objects.filter(name__in=kept))
        after = set(user.groups.values_list("name", flat=True))
        if after != groups:
            audit_event_record(
                kind=TraineesEventKind.ACCOUNT_ROLES_CHANGED, request=request, subject_user=user,
                detail={"added": sorted(after - groups), "removed": sorted(groups - after)},
            )  # fmt: skip
        if before is not None and user.email != email:
            audit_event_record(
                kind=AuditEventKind.ACCOUNT_EMAIL_CHANGED, request=request, subject_user=user,
                detail={"by": "admin"},
            )  # fmt: skip
        if before is not None and user.is_active != active:
            audit_event_record(
                kind=TraineesEventKind.ACCOUNT_ACTIVE_CHANGED, request=request, subject_user=user,
                detail={"active": user.is_active},
            )  # fmt: skip

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        if request.method == "POST":
            require_recent_password(request)
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit_event_record(
                kind=TraineesEventKind.ACCOUNT_PASSWORD_SET, request=request,
                subject_user=User.objects.get(pk=id),
            )  # fmt: skip
        return response


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """HR resets a lost authenticator app (the person sets up a new one at the next login) —
    not that of another HR administrator or an auditor, which needs a superuser. Every removal
    is an audit event.

    Nobody reads a secret here: the page shows the type and the dates only (``data`` holds the
    encrypted TOTP key or recovery seed, trainees/crypto.py), and HR does not even see that
    other HR administrators and auditors have an authenticator (the superuser does)."""

    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields
    list_display = ("user", "type", "created_at", "last_used_at")
    search_fields = ("user__username", "user__full_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Authenticator]:
        queryset = super().get_queryset(request).select_related("user")
        if getattr(request.user, "is_superuser", False):
            return queryset
        protected = Q(user__is_superuser=True) | Q(
            user__groups__name__in=[role.value for role in PROTECTED_ROLES]
        )
        # One's own authenticator stays visible (protected_from lets anyone act on their own).
        return queryset.exclude(protected & ~Q(user=request.user)).distinct()

    def has_delete_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        if obj is not None and protected_from(request.user, obj.user):
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Authenticator | None = None) -> bool:
        return False  # an authenticator is removed, never edited

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Removing someone's authenticator app: the password again first (before anything
        is written, the admin's own log entry included)."""
        if request.method == "POST":
            require_recent_password(request)
        return super().delete_view(request, object_id, extra_context)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The list's "delete selected" asks for the password as the delete page does."""
        if request.method == "POST" and request.POST.get("action") == "delete_selected":
            require_recent_password(request)
        return super().changelist_view(request, extra_context)

    def delete_model(self, request: HttpRequest, obj: Authenticator) -> None:
        self._audit_removal(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Authenticator]) -> None:
        authenticators = list(queryset.select_related("user"))
        refused = [a for a in authenticators if protected_from(request.user, a.user)]
        if refused:
            raise PermissionDenied
        self._audit_removal(request, authenticators)
        super().delete_queryset(request, queryset)

    def _audit_removal(self, request: HttpRequest, authenticators: list[Authenticator]) -> None:
        for authenticator in authenticators:
            audit_event_record(
                kind=AuditEventKind.MFA_REMOVED, request=request, subject_user=authenticator.user,
                detail={"type": authenticator.type, "by": "admin"},
            )  # fmt: skip


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
