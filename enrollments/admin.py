from __future__ import annotations

from django.contrib import admin

from enrollments.models import OrganisationQuota


@admin.register(OrganisationQuota)
class OrganisationQuotaAdmin(admin.ModelAdmin):
    """申込可能人数: HR sets how many places each organisation may hold on a course; the limit is
    enforced when staff apply or are nominated (enrollments.services)."""

    list_display = ("course", "organisation", "limit")
    list_filter = ("course__fiscal_year",)
    search_fields = ("course__code", "course__title", "organisation__name", "organisation__code")
    autocomplete_fields = ("organisation",)
    list_select_related = ("course", "organisation")
